package io.jkvm.cli;

import io.jkvm.JkvmException;
import io.jkvm.exit.VmExit;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * {@code jkvm}: the entry point. Errors a user can fix are printed as one line
 * ({@code jkvm: ...}) with a non-zero status (2 for a bad command line, 1 otherwise); stack
 * traces only with {@code --debug}.
 */
public final class Main {
    static final String VERSION = "0.1.0-SNAPSHOT";

    private static final String HELP = """
            Usage: jkvm COMMAND [OPTIONS]
            A virtual machine monitor for Linux/KVM, in Java.

            Commands:
              demo hello|counter   Run a built-in demo guest (MISSION.md demos 1 and 2).
              run IMAGE            Run a raw binary image in real, protected or long mode.
              info                 KVM API version, capabilities, CPUID, supervisor-code speed.

            Options:
              -h, --help           Show this help (or 'jkvm COMMAND --help').
              -V, --version        Print the version.
            """;

    private Main() {}

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit status (tests call this). */
    public static int execute(String... args) {
        PrintStream err = System.err;
        boolean debug = Arrays.asList(args).contains("--debug");
        String command = args.length > 0 ? args[0] : "";
        List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
        try {
            return switch (command) {
                case "demo" -> new DemoCommand(Args.parse(DemoCommand.SPEC, rest)).call();
                case "run" -> new RunCommand(Args.parse(RunCommand.SPEC, rest)).call();
                case "info" -> new InfoCommand(Args.parse(InfoCommand.SPEC, rest)).call();
                case "-h", "--help", "help" -> {
                    System.out.print(HELP);
                    yield 0;
                }
                case "-V", "--version" -> {
                    System.out.println("jkvm " + VERSION + " (Java " + Runtime.version() + ")");
                    yield 0;
                }
                case "" -> throw new UsageException("give a command: demo, run or info");
                default -> throw new UsageException("unknown command '" + command + "': choose demo, run or info");
            };
        } catch (CheckOnly.Passed e) {
            return CheckOnly.STATUS;
        } catch (UsageException e) {
            if (debug) e.printStackTrace(err);
            err.println("jkvm: " + e.getMessage());
            err.println("Try 'jkvm " + (isCommand(command) ? command + " " : "") + "--help'.");
            return VmExit.STATUS_USAGE;
        } catch (JkvmException e) {
            if (debug) e.printStackTrace(err);
            err.println("jkvm: " + e.getMessage());
            return VmExit.STATUS_HOST_ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("jkvm: interrupted");
            return VmExit.STATUS_INTERRUPTED;
        } catch (RuntimeException | Error e) {
            if (debug) e.printStackTrace(err);
            err.println("jkvm: internal error: " + e + (debug ? "" : " (run with --debug for the stack trace)"));
            return VmExit.STATUS_HOST_ERROR;
        }
    }

    private static boolean isCommand(String c) {
        return c.equals("demo") || c.equals("run") || c.equals("info");
    }
}
