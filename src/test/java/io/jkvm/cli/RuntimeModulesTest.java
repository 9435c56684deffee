package io.jkvm.cli;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.spi.ToolProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The ./jkvm launcher runs jkvm on a jlink image of the modules in its {@code modules=} line
 * (docs/PERFORMANCE.md, section 8); a class of a module missing there would fail only at run
 * time, so the line must be what {@code jdeps --print-module-deps} finds in jkvm's classes and
 * the libraries the jar bundles.
 */
class RuntimeModulesTest {
    private static final Path BASEDIR = Path.of(System.getProperty("jkvm.basedir", "."));

    @Test
    void theLaunchersModulesAreWhatJdepsFinds() throws IOException {
        String line = Files.readAllLines(BASEDIR.resolve("jkvm")).stream()
                .filter(l -> l.startsWith("modules="))
                .findFirst().orElseThrow(() -> new AssertionError("./jkvm has no modules= line"));
        List<String> launcher = Arrays.asList(line.substring("modules=".length()).split(","));

        List<String> args = new ArrayList<>(List.of("--multi-release", "25", "--ignore-missing-deps", "--print-module-deps"));
        args.add(BASEDIR.resolve("target/classes").toString());
        // the runtime dependencies the jar bundles (shade plugin): on the test classpath
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.contains("aircompressor") || entry.contains("/org/tukaani/")) args.add(entry);
        }
        assertEquals(7, args.size(), "expected target/classes, aircompressor and xz: " + args);
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = jdeps.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        assertEquals(0, status, err.toString());
        List<String> found = Arrays.asList(out.toString().strip().split(","));
        assertFalse(found.isEmpty());
        assertEquals(found.stream().sorted().toList(), launcher.stream().sorted().toList(),
                "./jkvm's modules= line must list what jdeps finds");
    }
}
