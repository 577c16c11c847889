package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.ctl.CtlCredentials;
import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import dev.ferry.server.ctl.ManagementClient;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options every client command of {@code ferry} takes (a picocli mixin): where the broker's
 * management API is and who logs in (through ferryctl's {@link CtlCredentials}: {@code --url},
 * {@code FERRY_URL}, the credential file, then guest on loopback), the virtual host, the output
 * format and whether to draw progress. Also the command's streams and its {@link ManagementClient}.
 */
public final class ClientOptions {
    @Option(names = "--url", paramLabel = "URL", description = "The broker's management HTTP API, e.g. "
            + "http://user:password@host:15672. Default: FERRY_URL, else http://guest:guest@127.0.0.1:15672")
    String url;

    @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "Log in as this user (beats the URL's)")
    String username;

    @Option(names = "--password", paramLabel = "PASSWORD", description = "That user's password (beats the URL's)")
    String password;

    @Option(names = {"-p", "--vhost"}, paramLabel = "VHOST", defaultValue = "/",
            description = "Virtual host. Default: ${DEFAULT-VALUE}")
    String vhost;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table (sized to the terminal: COLUMNS) or json (for scripts). Default: ${DEFAULT-VALUE}")
    OutputFormat format;

    @Option(names = "--progress", description = "Draw the progress bar even when standard error is not a terminal")
    boolean forceProgress;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for one answer of the broker. Default: ${DEFAULT-VALUE}")
    int timeoutSeconds;

    /** table or json. */
    enum OutputFormat { table, json }

    private ManagementClient client;
    private FerryCli.Context context;

    void bind(FerryCli.Context context) {
        this.context = context;
    }

    /** What the command reads where a shell user would pipe or type input. */
    InputStream in() {
        return context.in();
    }

    PrintStream out() {
        return context.out();
    }

    PrintStream err() {
        return context.err();
    }

    boolean json() {
        return format == OutputFormat.json;
    }

    /** The API path of the virtual host: {@code /} is {@code %2F}. */
    String vhostPath() {
        return ManagementClient.segment(vhost);
    }

    /** A path under the virtual host: {@code queues/%2F/orders}. */
    String path(String collection, String... names) {
        StringBuilder path = new StringBuilder(collection).append('/').append(vhostPath());
        for (String name : names) {
            path.append('/').append(ManagementClient.segment(name));
        }
        return path.toString();
    }

    /** bin/ferry says whether standard output is a terminal (FERRY_STDOUT_TTY); Java cannot tell on its own. */
    boolean stdoutIsTerminal() {
        return Boolean.parseBoolean(context.environment().getOrDefault("FERRY_STDOUT_TTY", "false"));
    }

    ProgressBar progress(String label, long total) {
        boolean terminal = Boolean.parseBoolean(context.environment().getOrDefault("FERRY_STDERR_TTY", "false"));
        return new ProgressBar(label, total, err(), forceProgress || terminal, Table.terminalWidth(context.environment()));
    }

    Table table(List<Table.Column> columns) {
        return new Table(columns, Table.terminalWidth(context.environment()));
    }

    /** Rows as a table, or as one JSON array of objects with the same columns. */
    void print(Table table, JsonNode rows) {
        if (json()) {
            out().println(table.json(rows));
        } else {
            table.write(out(), rows);
        }
    }

    ObjectNode object() {
        return ManagementClient.JSON.createObjectNode();
    }

    /** Where the broker is and who logs in, as ferryctl finds them. */
    CtlCredentials credentials() throws CtlException {
        String home = context.environment().get("HOME");
        return CtlCredentials.resolve(url, username, password, context.environment(), home == null ? null : Path.of(home));
    }

    ManagementClient client() throws CtlException {
        if (client == null) {
            CtlCredentials credentials = credentials();
            URI base;
            try {
                base = URI.create(credentials.url());
                if (base.getScheme() == null || !base.getScheme().startsWith("http") || base.getHost() == null) {
                    throw new IllegalArgumentException("not an http:// or https:// URL");
                }
            } catch (IllegalArgumentException e) {
                throw new CtlException(ExitCodes.USAGE, "broker URL '" + credentials.url() + "' is not usable: "
                        + e.getMessage());
            }
            client = new ManagementClient(base, credentials.username(), credentials.password(),
                    Duration.ofSeconds(Math.max(1, timeoutSeconds)));
        }
        return client;
    }
}
