package dev.ferry.server.ctl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The options rabbitmqctl takes anywhere on its command line, taken out before the command is
 * parsed: where the broker is and who to log in as (Ferry's), the vhost, the output switches, and
 * those that do not apply to Ferry and are accepted and ignored ({@code -n NODE}, {@code -l}).
 */
final class GlobalOptions {
    String url;
    String username;
    String password;
    String vhost = "/";
    boolean quiet;
    boolean silent;
    boolean noTableHeaders;
    boolean json;
    /** rabbitmqctl's {@code --timeout}, in seconds; {@code null} for the command's default. */
    Double timeoutSeconds;
    final List<String> rest = new ArrayList<>();

    private static final Map<String, String> WITH_VALUE = Map.ofEntries(
            Map.entry("--url", "url"), Map.entry("--username", "username"),
            Map.entry("--password", "password"), Map.entry("-p", "vhost"), Map.entry("--vhost", "vhost"),
            Map.entry("-n", "node"), Map.entry("--node", "node"), Map.entry("-t", "timeout"),
            Map.entry("--timeout", "timeout"), Map.entry("--formatter", "formatter"));

    static GlobalOptions parse(String[] args) {
        GlobalOptions options = new GlobalOptions();
        boolean optionsEnded = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (optionsEnded) {
                options.rest.add(arg);
                continue;
            }
            String name = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                name = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            String key = WITH_VALUE.get(name);
            if (key != null) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("option " + name + " needs a value", null);
                    }
                    value = args[++i];
                }
                options.set(key, value);
                continue;
            }
            switch (arg) {
                case "--" -> optionsEnded = true;
                case "-q", "--quiet" -> options.quiet = true;
                case "-s", "--silent" -> {
                    options.quiet = true;
                    options.silent = true;
                }
                case "--no-table-headers" -> options.noTableHeaders = true;
                case "-l", "--longnames" -> { }
                default -> options.rest.add(arg);
            }
        }
        return options;
    }

    private void set(String key, String value) {
        switch (key) {
            case "url" -> url = value;
            case "username" -> username = value;
            case "password" -> password = value;
            case "vhost" -> vhost = value;
            case "timeout" -> {
                try {
                    timeoutSeconds = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    throw new UsageException("timeout must be a number of seconds, not '" + value + "'", null);
                }
                if (timeoutSeconds <= 0) {
                    throw new UsageException("timeout must be a positive number of seconds", null);
                }
            }
            case "formatter" -> {
                switch (value) {
                    case "json" -> json = true;
                    case "table" -> json = false;
                    default -> throw new UsageException("formatter must be table or json, not '" + value + "'", null);
                }
            }
            default -> { } // -n NODE: ferryctl reaches the broker through --url.
        }
    }

    boolean headers() {
        return !silent && !noTableHeaders;
    }
}
