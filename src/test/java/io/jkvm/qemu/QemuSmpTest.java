package io.jkvm.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** -smp topology arithmetic, as QEMU 7.2's machine_parse_smp_config. */
class QemuSmpTest {
    /** "cpus=4,sockets=2" as a map. */
    private static Map<String, Long> config(String text) {
        Map<String, Long> m = new LinkedHashMap<>();
        if (text.isEmpty()) return m;
        for (String kv : text.split(";")) {
            String[] p = kv.split("=");
            m.put(p[0], Long.parseLong(p[1]));
        }
        return m;
    }

    @ParameterizedTest(name = "{0} -> {1} cpus, {2}s*{3}d*{4}c*{5}t, max {6}")
    @CsvSource(delimiter = '|', value = {
            // given                          | cpus | sockets | dies | cores | threads | maxcpus
            "cpus=4                           | 4    | 1       | 1    | 4     | 1       | 4",
            "cpus=1                           | 1    | 1       | 1    | 1     | 1       | 1",
            "cpus=8;sockets=2                 | 8    | 2       | 1    | 4     | 1       | 8",
            "cpus=8;cores=2                   | 8    | 4       | 1    | 2     | 1       | 8",
            "cpus=8;threads=2                 | 8    | 1       | 1    | 4     | 2       | 8",
            "cpus=8;sockets=2;cores=2         | 8    | 2       | 1    | 2     | 2       | 8",
            "sockets=2;cores=3;threads=2      | 12   | 2       | 1    | 3     | 2       | 12",
            "sockets=2                        | 2    | 2       | 1    | 1     | 1       | 2",
            "cpus=2;maxcpus=4                 | 2    | 1       | 1    | 4     | 1       | 4",
            "maxcpus=6                        | 6    | 1       | 1    | 6     | 1       | 6",
            "cpus=4;dies=2                    | 4    | 1       | 2    | 2     | 1       | 4",
            "cpus=4;clusters=1                | 4    | 1       | 1    | 4     | 1       | 4",
            "cpus=2;sockets=1;cores=2;threads=1;maxcpus=2 | 2 | 1 | 1 | 2    | 1       | 2",
            "cpus=255                         | 255  | 1       | 1    | 255   | 1       | 255",
    })
    void pcPrefersCores(String given, int cpus, int sockets, int dies, int cores, int threads, int maxCpus) {
        assertEquals(new QemuSmp(cpus, sockets, dies, 1, cores, threads, maxCpus),
                QemuSmp.compute(config(given.trim()), QemuMachine.PC, false));
    }

    @ParameterizedTest(name = "{0} -> {1} cpus, {2}s*{3}c*{4}t")
    @CsvSource(delimiter = '|', value = {
            "cpus=8                           | 8    | 8       | 1     | 1",
            "cpus=8;cores=2                   | 8    | 4       | 2     | 1",
            "cpus=8;sockets=2                 | 8    | 2       | 4     | 1",
            "cpus=8;threads=2                 | 8    | 4       | 1     | 2",
    })
    void machinesBefore62PreferSockets(String given, int cpus, int sockets, int cores, int threads) {
        assertEquals(new QemuSmp(cpus, sockets, 1, 1, cores, threads, cpus),
                QemuSmp.compute(config(given.trim()), QemuMachine.PC, true));
    }

    @Test
    void noValuesIsOneCpu() {
        assertEquals(QemuSmp.DEFAULT, QemuSmp.compute(Map.of(), QemuMachine.PC, false));
        assertEquals(new QemuSmp(1, 1, 1, 1, 1, 1, 1), QemuSmp.DEFAULT);
    }

    private static String error(String given, QemuMachine machine) {
        return assertThrows(IllegalArgumentException.class,
                () -> QemuSmp.compute(config(given), machine, false)).getMessage();
    }

    @Test
    void productMustMatchMaxcpus() {
        assertEquals("Invalid CPU topology: product of the hierarchy must match maxcpus: "
                + "sockets (3) * dies (1) * cores (1) * threads (1) != maxcpus (4)", error("cpus=4;sockets=3", QemuMachine.PC));
        assertEquals("Invalid CPU topology: product of the hierarchy must match maxcpus: "
                + "sockets (3) * cores (1) * threads (1) != maxcpus (4)", error("cpus=4;sockets=3", QemuMachine.MICROVM));
        assertEquals("Invalid CPU topology: product of the hierarchy must match maxcpus: "
                + "sockets (0) * dies (1) * cores (4) * threads (1) != maxcpus (2)", error("cpus=2;cores=4", QemuMachine.PC));
        assertEquals("Invalid CPU topology: product of the hierarchy must match maxcpus: "
                + "sockets (2) * dies (1) * cores (2) * threads (2) != maxcpus (4)",
                error("cpus=4;sockets=2;cores=2;threads=2", QemuMachine.PC));
    }

    @Test
    void maxcpusAtLeastCpus() {
        assertEquals("Invalid CPU topology: maxcpus must be equal to or greater than smp: "
                + "sockets (1) * dies (1) * cores (2) * threads (1) == maxcpus (2) < smp_cpus (4)",
                error("cpus=4;maxcpus=2", QemuMachine.PC));
    }

    @Test
    void machineLimits() {
        assertEquals("Invalid SMP CPUs 256. The max CPUs supported by machine 'pc-i440fx-7.2' is 255",
                error("cpus=256", QemuMachine.PC));
        assertEquals(new QemuSmp(256, 1, 1, 1, 256, 1, 256), QemuSmp.compute(config("cpus=256"), QemuMachine.MICROVM, false));
        assertEquals("Invalid SMP CPUs 289. The max CPUs supported by machine 'microvm' is 288",
                error("cpus=289", QemuMachine.MICROVM));
        assertEquals("Invalid SMP CPUs 4294967295. The max CPUs supported by machine 'pc-i440fx-7.2' is 255",
                error("cpus=4294967295", QemuMachine.PC));
    }

    @Test
    void unsupportedLevels() {
        assertEquals("dies not supported by this machine's CPU topology", error("cpus=4;dies=2", QemuMachine.MICROVM));
        assertEquals(new QemuSmp(4, 1, 1, 1, 4, 1, 4), QemuSmp.compute(config("cpus=4;dies=1"), QemuMachine.MICROVM, false));
        assertEquals("clusters not supported by this machine's CPU topology", error("cpus=4;clusters=2", QemuMachine.PC));
    }

    @Test
    void zeroAndUnknownKeys() {
        assertEquals("Invalid CPU topology: CPU topology parameters must be greater than zero", error("cpus=0", QemuMachine.PC));
        assertEquals("Invalid CPU topology: CPU topology parameters must be greater than zero",
                error("cpus=4;threads=0", QemuMachine.PC));
        assertEquals("Invalid parameter 'books'", error("books=2", QemuMachine.PC));
    }

    @Test
    void hugeValuesDoNotOverflow() {
        assertEquals("Invalid CPU topology: product of the hierarchy must match maxcpus: sockets (4294967295) * dies (1)"
                        + " * cores (4294967295) * threads (4294967295) != maxcpus (8)",
                error("cpus=8;sockets=4294967295;cores=4294967295;threads=4294967295", QemuMachine.PC));
    }
}
