package io.jkvm.cli;

import io.jkvm.JkvmException;
import io.jkvm.api.VmExit;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code jkvm}: the entry point. Errors a user can fix are printed as one line
 * ({@code jkvm: ...}) with a non-zero status; stack traces only with {@code --debug}.
 */
@Command(name = "jkvm", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A virtual machine monitor for Linux/KVM, in Java.",
        subcommands = {DemoCommand.class, RunCommand.class, InfoCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "give a command: demo, run or info");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit status (tests call this). */
    public static int execute(String... args) {
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("jkvm: " + e.getMessage());
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return VmExit.STATUS_USAGE;
        });
        cli.setExecutionExceptionHandler((e, c, p) -> {
            PrintWriter err = c.getErr();
            if (debug) e.printStackTrace(err);
            if (e instanceof UsageException) {
                err.println("jkvm: " + e.getMessage());
                err.flush();
                return VmExit.STATUS_USAGE;
            }
            if (e instanceof JkvmException) {
                err.println("jkvm: " + e.getMessage());
            } else {
                err.println("jkvm: internal error: " + e + (debug ? "" : " (run with --debug for the stack trace)"));
            }
            err.flush();
            return VmExit.STATUS_HOST_ERROR;
        });
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jkvm " + (v != null ? v : "0.1.0-SNAPSHOT") + " (Java " + Runtime.version() + ")"};
        }
    }
}
