package io.jkvm.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GNU-style command-line parsing for jkvm's commands: {@code --name VALUE}, {@code --name=VALUE},
 * short aliases ({@code -m 64M}), flags, repeatable options, positional arguments, {@code --}.
 * Hand-written rather than a library: the whole CLI is a few options, and jkvm starts in
 * well under half the time without an annotation-driven parser's class loading and reflection
 * (docs/PERFORMANCE.md).
 */
final class Args {
    /** One option: its names (first is the long name), its value's label (null for a flag), its help. */
    record Option(List<String> names, String param, String help, boolean repeatable) {
        static Option flag(String name, String help) {
            return new Option(List.of(name), null, help, false);
        }

        static Option value(String name, String param, String help) {
            return new Option(List.of(name), param, help, false);
        }

        Option alias(String shortName) {
            List<String> all = new ArrayList<>(names);
            all.add(shortName);
            return new Option(List.copyOf(all), param, help, repeatable);
        }

        /** The same option, allowed several times. */
        Option many() {
            return new Option(names, param, help, true);
        }

        String name() { return names.get(0); }
    }

    /** A command's syntax: its name, what it does, its options and positional parameters. */
    record Spec(String command, String positionals, int minPositionals, int maxPositionals, List<String> description,
                List<Option> options, List<String> footer) {
        Option find(String name) {
            for (Option o : options) if (o.names().contains(name)) return o;
            return null;
        }

        String help() {
            StringBuilder sb = new StringBuilder("Usage: jkvm ").append(command).append(" [OPTIONS]");
            if (!positionals.isEmpty()) sb.append(' ').append(positionals);
            sb.append('\n');
            description.forEach(l -> sb.append(l).append('\n'));
            sb.append("\nOptions:\n");
            for (Option o : options) {
                String names = String.join(", ", o.names()) + (o.param() != null ? " " + o.param() : "");
                sb.append(String.format("  %-28s %s%n", names, o.help()));
            }
            sb.append(String.format("  %-28s %s%n", "-h, --help", "Show this help and exit."));
            footer.forEach(l -> sb.append(l).append('\n'));
            return sb.toString();
        }
    }

    /** What was given: option values by long name, positional arguments in order. */
    record Parsed(Map<String, List<String>> values, List<String> positionals, boolean help) {
        String get(String name) {
            List<String> v = values.get(name);
            return v == null ? null : v.get(v.size() - 1);
        }

        String get(String name, String fallback) {
            String v = get(name);
            return v != null ? v : fallback;
        }

        List<String> all(String name) {
            return values.getOrDefault(name, List.of());
        }

        boolean has(String name) {
            return values.containsKey(name);
        }
    }

    private Args() {}

    static Parsed parse(Spec spec, List<String> args) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        List<String> positionals = new ArrayList<>();
        boolean help = false;
        boolean onlyPositionals = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (onlyPositionals || !a.startsWith("-") || a.equals("-")) {
                positionals.add(a);
                continue;
            }
            if (a.equals("--")) {
                onlyPositionals = true;
                continue;
            }
            if (a.equals("-h") || a.equals("--help")) {
                help = true;
                continue;
            }
            int eq = a.indexOf('=');
            String name = eq > 0 && a.startsWith("--") ? a.substring(0, eq) : a;
            Option o = spec.find(name);
            if (o == null) throw new UsageException("unknown option '" + name + "' for 'jkvm " + spec.command() + "'");
            String value = null;
            if (o.param() == null) {
                if (eq > 0 && a.startsWith("--")) throw new UsageException("option '" + name + "' takes no value");
                value = "";
            } else if (eq > 0 && a.startsWith("--")) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException("option '" + name + "' needs a value (" + o.param() + ")");
            }
            List<String> list = values.computeIfAbsent(o.name(), k -> new ArrayList<>());
            if (!list.isEmpty() && !o.repeatable() && o.param() != null) {
                throw new UsageException("option '" + o.name() + "' given more than once");
            }
            list.add(value);
        }
        if (!help && positionals.size() < spec.minPositionals()) {
            throw new UsageException("missing " + spec.positionals() + " for 'jkvm " + spec.command() + "'");
        }
        if (positionals.size() > spec.maxPositionals()) {
            throw new UsageException("unexpected argument '" + positionals.get(spec.maxPositionals()) + "' for 'jkvm " + spec.command() + "'");
        }
        return new Parsed(values, positionals, help);
    }
}
