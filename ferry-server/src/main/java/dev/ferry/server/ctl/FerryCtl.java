package dev.ferry.server.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bin/ferryctl}: rabbitmqctl's common commands, with its names, arguments, output and exit
 * codes, carried out through a running broker's management HTTP API (ferry-http), so that runbooks
 * and scripts written for RabbitMQ work against Ferry. One method per command; the options
 * rabbitmqctl takes anywhere on the line are {@link GlobalOptions}, where the broker is and who to
 * log in as is {@link CtlCredentials}.
 *
 * <p>Output: informational lines ("Listing queues for vhost / ...") on stdout unless {@code -q};
 * tables tab-separated under a header unless {@code -s} ({@link InfoTable}); errors on stderr as
 * {@code Error:} and the text, with rabbitmqctl's exit code ({@link ExitCodes}).
 */
@Command(name = "ferryctl", synopsisHeading = "", customSynopsis =
        "ferryctl [--url <url>] [--username <user> --password <password>] [-q] [-s] <command> [<command options>]")
public final class FerryCtl {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration DEFAULT_AWAIT_TIMEOUT = Duration.ofSeconds(300);
    private static final String CTL = "ferryctl [--url <url>] [--quiet] ";

    private static final List<InfoTable.Column> QUEUE_COLUMNS = columns("name", "vhost", "type", "durable",
            "auto_delete", "exclusive", "arguments", "state", "consumers", "messages", "messages_ready",
            "messages_unacknowledged", "policy", "operator_policy", "effective_policy_definition",
            "exclusive_consumer_tag", "single_active_consumer_tag", "head_message_timestamp");
    private static final List<InfoTable.Column> EXCHANGE_COLUMNS = columns("name", "vhost", "type", "durable",
            "auto_delete", "internal", "arguments", "policy");
    private static final List<InfoTable.Column> BINDING_COLUMNS = List.of(new InfoTable.Column("source_name", "/source"),
            new InfoTable.Column("source_kind", "/source_kind"), new InfoTable.Column("destination_name", "/destination"),
            new InfoTable.Column("destination_kind", "/destination_kind"), InfoTable.Column.same("routing_key"),
            InfoTable.Column.same("arguments"), InfoTable.Column.same("vhost"));
    private static final List<InfoTable.Column> CONNECTION_COLUMNS = columns("name", "user", "vhost", "host", "port",
            "peer_host", "peer_port", "state", "protocol", "type", "node", "ssl", "timeout", "frame_max",
            "channel_max", "client_properties", "connected_at", "user_who_performed_action");
    private static final List<InfoTable.Column> CONSUMER_COLUMNS = List.of(new InfoTable.Column("queue_name", "/queue/name"),
            new InfoTable.Column("channel_pid", "/channel_details/name"), InfoTable.Column.same("consumer_tag"),
            InfoTable.Column.same("ack_required"), InfoTable.Column.same("prefetch_count"), InfoTable.Column.same("active"),
            InfoTable.Column.same("activity_status"), InfoTable.Column.same("exclusive"), InfoTable.Column.same("arguments"));
    private static final List<InfoTable.Column> USER_COLUMNS = List.of(new InfoTable.Column("user", "/name"),
            InfoTable.Column.same("tags"));
    private static final List<InfoTable.Column> VHOST_COLUMNS = columns("name", "description", "tags", "tracing",
            "messages", "messages_ready", "messages_unacknowledged");
    private static final List<InfoTable.Column> PERMISSION_COLUMNS = columns("user", "configure", "write", "read");
    private static final List<InfoTable.Column> USER_PERMISSION_COLUMNS = columns("vhost", "configure", "write", "read");

    private final GlobalOptions options;
    private final Map<String, String> environment;
    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private ManagementClient client;

    FerryCtl(GlobalOptions options, Map<String, String> environment, InputStream in, PrintStream out, PrintStream err) {
        this.options = options;
        this.environment = environment;
        this.in = in;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, System.getenv(), out, err));
    }

    /**
     * Runs one command line and returns the exit code, writing to the given streams and reading
     * settings only from {@code environment}; the same as {@code bin/ferryctl} without a JVM of
     * its own (tests run it in theirs).
     */
    public static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        return run(args, environment, System.in, out, err);
    }

    /** As {@link #run(String[], Map, PrintStream, PrintStream)}, with standard input (import_definitions -) from {@code in}. */
    public static int run(String[] args, Map<String, String> environment, InputStream in, PrintStream out,
            PrintStream err) {
        GlobalOptions options;
        try {
            options = GlobalOptions.parse(args);
        } catch (UsageException e) {
            err.println("Error: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        FerryCtl ctl = new FerryCtl(options, environment, in, out, err);
        CommandLine commandLine = new CommandLine(ctl);
        commandLine.setOut(new java.io.PrintWriter(out, true));
        commandLine.setErr(new java.io.PrintWriter(err, true));
        List<String> rest = options.rest;
        if (rest.isEmpty()) {
            err.println(commandList(commandLine));
            return ExitCodes.USAGE;
        }
        commandLine.setParameterExceptionHandler((e, given) -> {
            CommandLine failed = e.getCommandLine();
            if (failed == commandLine) {
                err.println("\nCommand '" + rest.get(0) + "' not found. \n");
                err.println(commandList(commandLine));
                return ExitCodes.USAGE;
            }
            String reason = e instanceof CommandLine.MissingParameterException ? "not enough arguments."
                    : e instanceof CommandLine.UnmatchedArgumentException unmatched
                            && unmatched.getUnmatched().stream().noneMatch(arg -> arg.startsWith("-"))
                            ? "too many arguments." : e.getMessage();
            ctl.usageError(failed, reason, null);
            return ExitCodes.USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, failed, parsed) -> {
            if (e instanceof UsageException usage) {
                ctl.usageError(failed, usage.getMessage(), usage.detail());
                return ExitCodes.USAGE;
            }
            if (e instanceof CtlException refused) {
                if (!refused.bare()) {
                    err.println("Error:");
                }
                err.println(refused.getMessage());
                return refused.exitCode();
            }
            err.println("Error:");
            err.println(e);
            return ExitCodes.SOFTWARE;
        });
        return commandLine.execute(rest.toArray(String[]::new));
    }

    private void usageError(CommandLine command, String reason, String detail) {
        err.println("Error (argument validation): " + reason);
        if (detail != null) {
            err.println(detail);
        }
        err.println("Arguments given:");
        err.println("\t" + String.join(" ", options.rest));
        err.println();
        err.println("Usage");
        err.println();
        err.println(usage(command));
    }

    private static String usage(CommandLine command) {
        StringBuilder line = new StringBuilder(CTL).append(command.getCommandName());
        command.getCommandSpec().options().forEach(option -> line.append(" [").append(option.longestName()).append(']'));
        command.getCommandSpec().positionalParameters().forEach(parameter -> {
            String label = parameter.paramLabel();
            line.append(' ').append(parameter.arity().min() == 0 ? "[" + label + " ...]" : label);
        });
        return line.toString();
    }

    private static String commandList(CommandLine root) {
        StringBuilder text = new StringBuilder("Usage\n\n").append(root.getCommandSpec().usageMessage().customSynopsis()[0])
                .append("\n\nAvailable commands:\n\n");
        root.getSubcommands().forEach((name, command) -> {
            String[] description = command.getCommandSpec().usageMessage().description();
            text.append(String.format("   %-22s %s%n", name, description.length > 0 ? description[0] : ""));
        });
        return text.append("\nUse 'ferryctl help <command>' to learn more about a specific command").toString();
    }

    // ---------------------------------------------------------------------------------- helpers

    private ManagementClient client() throws CtlException {
        if (client == null) {
            CtlCredentials credentials = CtlCredentials.resolve(options, environment,
                    environment.containsKey("HOME") ? Path.of(environment.get("HOME")) : null);
            URI url;
            try {
                url = URI.create(credentials.url());
                if (url.getScheme() == null || !url.getScheme().startsWith("http") || url.getHost() == null) {
                    throw new IllegalArgumentException("not an http:// or https:// URL");
                }
            } catch (IllegalArgumentException e) {
                throw new CtlException(ExitCodes.USAGE, "broker URL '" + credentials.url() + "' is not usable: "
                        + e.getMessage());
            }
            Duration timeout = options.timeoutSeconds == null ? DEFAULT_TIMEOUT
                    : Duration.ofMillis((long) (options.timeoutSeconds * 1000));
            client = new ManagementClient(url, credentials.username(), credentials.password(), timeout);
        }
        return client;
    }

    private void info(String line) {
        if (!options.quiet && !options.json) {
            out.println(line);
        }
    }

    private static List<InfoTable.Column> columns(String... keys) {
        return java.util.Arrays.stream(keys).map(InfoTable.Column::same).toList();
    }

    private static String vhostPath(String vhost) {
        return ManagementClient.segment(vhost);
    }

    private void table(List<InfoTable.Column> known, List<String> requested, List<String> defaults, JsonNode rows)
            throws CtlException {
        InfoTable table = InfoTable.select(known, requested, defaults);
        List<JsonNode> list = new ArrayList<>();
        rows.forEach(list::add);
        table.write(out, list, options.headers(), options.json);
    }

    /** A list of objects in a vhost: none in a vhost that does not exist, as rabbitmqctl lists them. */
    private JsonNode listIn(String path) throws CtlException {
        ManagementClient.Answer answer = client().get(path);
        if (answer.status() == 404) {
            return ManagementClient.JSON.createArrayNode();
        }
        return answer.orFail().json();
    }

    private JsonNode existingUser(String name, String message) throws CtlException {
        ManagementClient.Answer answer = client().get("users/" + ManagementClient.segment(name));
        if (answer.status() == 404) {
            throw new CtlException(ExitCodes.NO_USER, message);
        }
        return answer.orFail().json();
    }

    private void requireVhost(int exitCode) throws CtlException {
        ManagementClient.Answer answer = client().get("vhosts/" + vhostPath(options.vhost));
        if (answer.status() == 404) {
            throw new CtlException(exitCode, "Virtual host " + options.vhost + " does not exist");
        }
        answer.orFail();
    }

    // --------------------------------------------------------------------------------- commands

    @Command(name = "help", description = "Displays usage information for a command")
    int help(@Parameters(arity = "0..1", paramLabel = "<command>") String command) {
        CommandLine root = new CommandLine(new FerryCtl(options, environment, in, out, err));
        if (command == null) {
            out.println(commandList(root));
            return ExitCodes.OK;
        }
        CommandLine sub = root.getSubcommands().get(command);
        if (sub == null) {
            err.println("\nCommand '" + command + "' not found. \n");
            err.println(commandList(root));
            return ExitCodes.USAGE;
        }
        out.println(usage(sub));
        out.println();
        out.println(String.join("\n", sub.getCommandSpec().usageMessage().description()));
        return ExitCodes.OK;
    }

    @Command(name = "list_queues", description = "Lists queues and their properties")
    int listQueues(@Parameters(arity = "0..*", paramLabel = "<column>") List<String> columns) throws CtlException {
        InfoTable.select(QUEUE_COLUMNS, columns, List.of());
        info("Timeout: " + timeoutText() + " seconds ...");
        info("Listing queues for vhost " + options.vhost + " ...");
        table(QUEUE_COLUMNS, columns, List.of("name", "messages"), listIn("queues/" + vhostPath(options.vhost)));
        return ExitCodes.OK;
    }

    @Command(name = "list_exchanges", description = "Lists exchanges")
    int listExchanges(@Parameters(arity = "0..*", paramLabel = "<column>") List<String> columns) throws CtlException {
        InfoTable.select(EXCHANGE_COLUMNS, columns, List.of());
        info("Listing exchanges for vhost " + options.vhost + " ...");
        table(EXCHANGE_COLUMNS, columns, List.of("name", "type"), listIn("exchanges/" + vhostPath(options.vhost)));
        return ExitCodes.OK;
    }

    @Command(name = "list_bindings", description = "Lists all bindings on a vhost")
    int listBindings(@Parameters(arity = "0..*", paramLabel = "<column>") List<String> columns) throws CtlException {
        InfoTable.select(BINDING_COLUMNS, columns, List.of());
        info("Listing bindings for vhost " + options.vhost + "...");
        JsonNode bindings = listIn("bindings/" + vhostPath(options.vhost));
        // The API calls the kinds source type and destination_type; rabbitmqctl says exchange / queue.
        for (JsonNode binding : bindings) {
            ((ObjectNode) binding).put("source_kind", "exchange");
            ((ObjectNode) binding).put("destination_kind", binding.path("destination_type").asText());
        }
        table(BINDING_COLUMNS, columns, List.of("source_name", "source_kind", "destination_name", "destination_kind",
                "routing_key", "arguments"), bindings);
        return ExitCodes.OK;
    }

    @Command(name = "list_connections", description = "Lists AMQP 0.9.1 connections for the node")
    int listConnections(@Parameters(arity = "0..*", paramLabel = "<column>") List<String> columns) throws CtlException {
        InfoTable.select(CONNECTION_COLUMNS, columns, List.of());
        info("Listing connections ...");
        JsonNode connections = client().get("connections").orFail().json();
        for (JsonNode connection : connections) {
            // The API's "AMQP 0-9-1" is the version tuple {0,9,1} in rabbitmqctl's listing.
            if (connection.path("protocol").asText().equals("AMQP 0-9-1")) {
                ((ObjectNode) connection).put("protocol", "{0,9,1}");
            }
        }
        table(CONNECTION_COLUMNS, columns, List.of("user", "peer_host", "peer_port", "state"), connections);
        return ExitCodes.OK;
    }

    @Command(name = "list_consumers", description = "Lists all consumers for a vhost")
    int listConsumers(@Parameters(arity = "0..*", paramLabel = "<column>") List<String> columns) throws CtlException {
        InfoTable.select(CONSUMER_COLUMNS, columns, List.of());
        info("Listing consumers in vhost " + options.vhost + " ...");
        table(CONSUMER_COLUMNS, columns, List.of("queue_name", "channel_pid", "consumer_tag", "ack_required",
                "prefetch_count", "active", "arguments"), listIn("consumers/" + vhostPath(options.vhost)));
        return ExitCodes.OK;
    }

    @Command(name = "close_connection", description = "Instructs the broker to close the connection with this name "
            + "(the name column of list_connections)")
    int closeConnection(@Parameters(index = "0", paramLabel = "<connection name>") String name,
                        @Parameters(index = "1", paramLabel = "<explanation>") String explanation) throws CtlException {
        info("Closing connection " + name + ", reason: " + explanation + "...");
        ManagementClient.Answer answer = client().delete("connections/" + ManagementClient.segment(name), explanation);
        if (answer.status() == 404) {
            throw new CtlException(ExitCodes.DATA_ERROR, "Connection '" + name + "' not found");
        }
        answer.orFail();
        return ExitCodes.OK;
    }

    @Command(name = "add_user", description = "Creates a new user. It has no permissions in any virtual host yet.")
    int addUser(@Parameters(index = "0", paramLabel = "<username>") String name,
                @Parameters(index = "1", paramLabel = "<password>") String password) throws CtlException {
        info("Adding user \"" + name + "\" ...");
        if (client().get("users/" + ManagementClient.segment(name)).ok()) {
            throw new CtlException(ExitCodes.SOFTWARE, "User \"" + name + "\" already exists");
        }
        ObjectNode body = ManagementClient.JSON.createObjectNode().put("password", password).put("tags", "");
        client().put("users/" + ManagementClient.segment(name), body).orFail();
        info("Done. Don't forget to grant the user permissions to some virtual hosts! "
                + "See 'ferryctl help set_permissions' to learn more.");
        return ExitCodes.OK;
    }

    @Command(name = "delete_user", description = "Removes a user")
    int deleteUser(@Parameters(index = "0", paramLabel = "<username>") String name) throws CtlException {
        info("Deleting user \"" + name + "\" ...");
        ManagementClient.Answer answer = client().delete("users/" + ManagementClient.segment(name));
        if (answer.status() == 404) {
            throw new CtlException(ExitCodes.NO_USER, "User \"" + name + "\" does not exist");
        }
        answer.orFail();
        return ExitCodes.OK;
    }

    @Command(name = "change_password", description = "Changes the user password")
    int changePassword(@Parameters(index = "0", paramLabel = "<username>") String name,
                       @Parameters(index = "1", paramLabel = "<password>") String password) throws CtlException {
        info("Changing password for user \"" + name + "\" ...");
        JsonNode user = existingUser(name, "User \"" + name + "\" does not exist");
        ObjectNode body = ManagementClient.JSON.createObjectNode().put("password", password);
        body.set("tags", user.path("tags"));
        client().put("users/" + ManagementClient.segment(name), body).orFail();
        return ExitCodes.OK;
    }

    @Command(name = "set_user_tags", description = "Sets user tags")
    int setUserTags(@Parameters(index = "0", paramLabel = "<username>") String name,
                    @Parameters(index = "1..*", arity = "0..*", paramLabel = "<tag>") List<String> tags)
            throws CtlException {
        List<String> given = tags == null ? List.of() : tags;
        info("Setting tags for user \"" + name + "\" to [" + String.join(", ", given) + "] ...");
        existingUser(name, "User \"" + name + "\" does not exist");
        ObjectNode body = ManagementClient.JSON.createObjectNode();
        ArrayNode list = body.putArray("tags");
        given.forEach(list::add);
        // No password in the body: the broker keeps the user's password as it is.
        client().put("users/" + ManagementClient.segment(name), body).orFail();
        return ExitCodes.OK;
    }

    @Command(name = "list_users", description = "List user names and tags")
    int listUsers(@Parameters(arity = "0..*", paramLabel = "<column>") List<String> columns) throws CtlException {
        InfoTable.select(USER_COLUMNS, columns, List.of());
        info("Listing users ...");
        table(USER_COLUMNS, columns, List.of("user", "tags"), client().get("users").orFail().json());
        return ExitCodes.OK;
    }

    @Command(name = "add_vhost", description = "Creates a virtual host")
    int addVhost(@Parameters(index = "0", paramLabel = "<vhost>") String vhost) throws CtlException {
        info("Adding vhost \"" + vhost + "\" ...");
        ManagementClient.Answer answer = client().put("vhosts/" + vhostPath(vhost), ManagementClient.JSON.createObjectNode())
                .orFail();
        if (answer.status() == 201) {
            // The API gives whoever creates a virtual host full permissions there; rabbitmqctl's add_vhost gives none.
            client().delete("permissions/" + vhostPath(vhost) + "/" + ManagementClient.segment(client().username())).orFail();
        }
        return ExitCodes.OK;
    }

    @Command(name = "delete_vhost", description = "Deletes a virtual host")
    int deleteVhost(@Parameters(index = "0", paramLabel = "<vhost>") String vhost) throws CtlException {
        info("Deleting vhost \"" + vhost + "\" ...");
        ManagementClient.Answer answer = client().delete("vhosts/" + vhostPath(vhost));
        if (answer.status() == 404) {
            throw new CtlException(ExitCodes.DATA_ERROR, "Virtual host '" + vhost + "' does not exist", true);
        }
        answer.orFail();
        return ExitCodes.OK;
    }

    @Command(name = "list_vhosts", description = "Lists virtual hosts")
    int listVhosts(@Parameters(arity = "0..*", paramLabel = "<column>") List<String> columns) throws CtlException {
        InfoTable.select(VHOST_COLUMNS, columns, List.of());
        info("Listing vhosts ...");
        table(VHOST_COLUMNS, columns, List.of("name"), client().get("vhosts").orFail().json());
        return ExitCodes.OK;
    }

    @Command(name = "set_permissions", description = "Sets user permissions for a vhost")
    int setPermissions(@Parameters(index = "0", paramLabel = "<username>") String user,
                       @Parameters(index = "1", paramLabel = "<conf>") String configure,
                       @Parameters(index = "2", paramLabel = "<write>") String write,
                       @Parameters(index = "3", paramLabel = "<read>") String read) throws CtlException {
        info("Setting permissions for user \"" + user + "\" in vhost \"" + options.vhost + "\" ...");
        existingUser(user, "User " + user + " does not exist");
        requireVhost(ExitCodes.UNAVAILABLE);
        ObjectNode body = ManagementClient.JSON.createObjectNode()
                .put("configure", configure).put("write", write).put("read", read);
        client().put("permissions/" + vhostPath(options.vhost) + "/" + ManagementClient.segment(user), body).orFail();
        return ExitCodes.OK;
    }

    @Command(name = "clear_permissions", description = "Revokes user permissions for a vhost")
    int clearPermissions(@Parameters(index = "0", paramLabel = "<username>") String user) throws CtlException {
        info("Clearing permissions for user \"" + user + "\" in vhost \"" + options.vhost + "\" ...");
        existingUser(user, "User " + user + " does not exist");
        requireVhost(ExitCodes.UNAVAILABLE);
        ManagementClient.Answer answer = client().delete(
                "permissions/" + vhostPath(options.vhost) + "/" + ManagementClient.segment(user));
        if (answer.status() != 404) {
            answer.orFail(); // No permissions to clear is not an error, as in rabbitmqctl.
        }
        return ExitCodes.OK;
    }

    @Command(name = "list_permissions", description = "Lists user permissions in a virtual host")
    int listPermissions(@Parameters(arity = "0..*", paramLabel = "<column>") List<String> columns) throws CtlException {
        InfoTable.select(PERMISSION_COLUMNS, columns, List.of());
        info("Listing permissions for vhost \"" + options.vhost + "\" ...");
        ManagementClient.Answer answer = client().get("vhosts/" + vhostPath(options.vhost) + "/permissions");
        if (answer.status() == 404) {
            throw new CtlException(ExitCodes.DATA_ERROR, "Virtual host '" + options.vhost + "' does not exist", true);
        }
        table(PERMISSION_COLUMNS, columns, List.of("user", "configure", "write", "read"), answer.orFail().json());
        return ExitCodes.OK;
    }

    @Command(name = "list_user_permissions", description = "Lists permissions of a user across all virtual hosts")
    int listUserPermissions(@Parameters(index = "0", paramLabel = "<username>") String user) throws CtlException {
        info("Listing permissions for user \"" + user + "\" ...");
        ManagementClient.Answer answer = client().get("users/" + ManagementClient.segment(user) + "/permissions");
        if (answer.status() == 404) {
            throw new CtlException(ExitCodes.NO_USER, "User " + user + " does not exist");
        }
        table(USER_PERMISSION_COLUMNS, List.of(), List.of("vhost", "configure", "write", "read"), answer.orFail().json());
        return ExitCodes.OK;
    }

    @Command(name = "set_policy", description = "Sets or updates a policy")
    int setPolicy(@CommandLine.Mixin PolicyArguments policy) throws CtlException {
        return policy.setWith(policies(false));
    }

    @Command(name = "clear_policy", description = "Clears (removes) a policy")
    int clearPolicy(@Parameters(index = "0", paramLabel = "<name>") String name) throws CtlException {
        policies(false).clear(name);
        return ExitCodes.OK;
    }

    @Command(name = "list_policies", description = "Lists all policies in a virtual host")
    int listPolicies() throws CtlException {
        table(PolicyCommands.COLUMNS, List.of(), PolicyCommands.COLUMN_KEYS, policies(false).list());
        return ExitCodes.OK;
    }

    @Command(name = "set_operator_policy", description = "Sets an operator policy that overrides a subset of arguments in user policies")
    int setOperatorPolicy(@CommandLine.Mixin PolicyArguments policy) throws CtlException {
        return policy.setWith(policies(true));
    }

    /** What set_policy and set_operator_policy take, as rabbitmqctl names it. */
    static final class PolicyArguments {
        @Parameters(index = "0", paramLabel = "<name>")
        String name;
        @Parameters(index = "1", paramLabel = "<pattern>")
        String pattern;
        @Parameters(index = "2", paramLabel = "<definition>")
        String definition;
        @Option(names = "--priority", paramLabel = "<priority>")
        String priority;
        @Option(names = "--apply-to", paramLabel = "<apply-to>")
        String applyTo;

        int setWith(PolicyCommands policies) throws CtlException {
            policies.set(name, pattern, definition, priority, applyTo);
            return ExitCodes.OK;
        }
    }

    @Command(name = "clear_operator_policy", description = "Clears an operator policy")
    int clearOperatorPolicy(@Parameters(index = "0", paramLabel = "<name>") String name) throws CtlException {
        policies(true).clear(name);
        return ExitCodes.OK;
    }

    @Command(name = "list_operator_policies", description = "Lists operator policy overrides in a virtual host")
    int listOperatorPolicies() throws CtlException {
        table(PolicyCommands.COLUMNS, List.of(), PolicyCommands.COLUMN_KEYS, policies(true).list());
        return ExitCodes.OK;
    }

    private PolicyCommands policies(boolean operator) throws CtlException {
        return new PolicyCommands(client(), options.vhost, this::info, operator);
    }

    @Command(name = "purge_queue", description = "Purges a queue (removes all messages in it)")
    int purgeQueue(@Parameters(index = "0", paramLabel = "<queue>") String queue) throws CtlException {
        info("Purging queue '" + queue + "' in vhost '" + options.vhost + "' ...");
        ManagementClient.Answer answer = client().delete(
                "queues/" + vhostPath(options.vhost) + "/" + ManagementClient.segment(queue) + "/contents");
        if (answer.status() == 404) {
            // rabbitmqctl's code for a queue it cannot find here.
            throw new CtlException(ExitCodes.UNAVAILABLE, "Queue '" + queue + "' in vhost '" + options.vhost
                    + "' not found");
        }
        answer.orFail();
        return ExitCodes.OK;
    }

    @Command(name = "delete_queue", description = "Deletes a queue")
    int deleteQueue(@Parameters(index = "0", paramLabel = "<queue>") String queue,
                    @Option(names = {"-u", "--if-unused"}, description = "only if the queue has no consumers") boolean ifUnused,
                    @Option(names = {"-e", "--if-empty"}, description = "only if the queue has no messages") boolean ifEmpty)
            throws CtlException {
        info("Deleting queue '" + queue + "' on vhost '" + options.vhost + "' ...");
        String path = "queues/" + vhostPath(options.vhost) + "/" + ManagementClient.segment(queue);
        ManagementClient.Answer found = client().get(path);
        if (found.status() == 404) {
            // rabbitmqctl answers a missing queue with its usage code, 64; so do we.
            throw new CtlException(ExitCodes.USAGE, "Queue not found");
        }
        long ready = found.orFail().json().path("messages_ready").asLong();
        List<String> conditions = new ArrayList<>();
        if (ifUnused) {
            conditions.add("if-unused=true");
        }
        if (ifEmpty) {
            conditions.add("if-empty=true");
        }
        ManagementClient.Answer answer = client().delete(conditions.isEmpty() ? path : path + "?" + String.join("&", conditions));
        if (answer.status() == 404) {
            throw new CtlException(ExitCodes.USAGE, "Queue not found");
        }
        answer.orFail();
        info("Queue was successfully deleted with " + ready + " ready messages");
        return ExitCodes.OK;
    }

    @Command(name = "status", description = "Displays status of the broker")
    int status() throws CtlException {
        JsonNode overview = client().get("overview").orFail().json();
        String nodeName = overview.path("node").asText();
        JsonNode node = client().get("nodes/" + ManagementClient.segment(nodeName)).orFail().json();
        if (options.json) {
            ObjectNode both = ManagementClient.JSON.createObjectNode();
            both.set("overview", overview);
            both.set("node", node);
            out.println(both);
            return ExitCodes.OK;
        }
        info("Status of node " + nodeName + " ...");
        out.println("Runtime");
        out.println();
        out.println("OS PID: " + node.path("os_pid").asText());
        out.println("Uptime (seconds): " + node.path("uptime").asLong() / 1000);
        out.println("RabbitMQ version: " + overview.path("rabbitmq_version").asText());
        out.println("Product name: " + overview.path("product_name").asText());
        out.println("Product version: " + overview.path("product_version").asText());
        out.println("Node name: " + nodeName);
        out.println("Runtime version: " + overview.path("erlang_version").asText());
        out.println("Processors: " + node.path("processors").asText());
        out.println();
        out.println("Alarms");
        out.println();
        boolean memory = node.path("mem_alarm").asBoolean();
        boolean disk = node.path("disk_free_alarm").asBoolean();
        out.println(memory || disk ? (memory ? "Memory alarm on node " + nodeName + "\n" : "")
                + (disk ? "Free disk space alarm on node " + nodeName : "") : "(none)");
        out.println();
        out.println("Memory");
        out.println();
        out.println("Total memory used: " + gigabytes(node.path("mem_used").asLong()) + " gb");
        out.println("Memory high watermark setting: " + gigabytes(node.path("mem_limit").asLong()) + " gb");
        out.println();
        out.println("Listeners");
        out.println();
        for (JsonNode listener : overview.path("listeners")) {
            out.println("Interface: [" + listener.path("ip_address").asText() + "], port: "
                    + listener.path("port").asText() + ", protocol: " + listener.path("protocol").asText());
        }
        out.println();
        out.println("Totals");
        out.println();
        JsonNode totals = overview.path("object_totals");
        out.println("Connection count: " + totals.path("connections").asLong());
        out.println("Queue count: " + totals.path("queues").asLong());
        out.println("Exchange count: " + totals.path("exchanges").asLong());
        out.println("Consumer count: " + totals.path("consumers").asLong());
        return ExitCodes.OK;
    }

    @Command(name = "await_startup", description = "Waits for the broker to start and answer (--timeout, 300 s by default)")
    int awaitStartup() throws CtlException {
        Duration total = options.timeoutSeconds == null ? DEFAULT_AWAIT_TIMEOUT
                : Duration.ofMillis((long) (options.timeoutSeconds * 1000));
        long deadline = System.nanoTime() + total.toNanos();
        while (true) {
            try {
                ManagementClient.Answer answer = client().get("overview");
                if (answer.ok()) {
                    return ExitCodes.OK;
                }
            } catch (BrokerUnreachableException e) {
                // Not listening yet: try again until the deadline.
            }
            if (System.nanoTime() > deadline) {
                throw new CtlException(ExitCodes.TEMPORARY_FAILURE, "broker at " + client().base()
                        + " did not start within " + total.toSeconds() + " seconds");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ExitCodes.SOFTWARE;
            }
        }
    }

    @Command(name = "export_definitions", description = "Exports definitions (users, virtual hosts, permissions, "
            + "queues, exchanges, bindings, ...) in JSON to a file, or to standard output with -")
    int exportDefinitions(@Parameters(index = "0", paramLabel = "<file>|-") String target) throws CtlException {
        JsonNode definitions = client().get("definitions").orFail().json();
        String text;
        try {
            text = ManagementClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(definitions);
        } catch (java.io.IOException e) {
            throw new CtlException(ExitCodes.SOFTWARE, "could not format the definitions: " + e.getMessage());
        }
        if (target.equals("-")) {
            // Nothing but the document on standard output, so it can be piped.
            out.println(text);
            return ExitCodes.OK;
        }
        info("Exporting definitions in JSON to a file at \"" + target + "\" ...");
        try {
            java.nio.file.Files.writeString(Path.of(target), text + "\n", StandardCharsets.UTF_8);
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            throw new CtlException(ExitCodes.CANT_CREATE, "could not write definitions to " + target + ": " + e);
        }
        return ExitCodes.OK;
    }

    @Command(name = "import_definitions", description = "Imports definitions in JSON from a file, or from standard "
            + "input with - or no argument")
    int importDefinitions(@Parameters(index = "0", paramLabel = "<file>|-", arity = "0..1") String source)
            throws CtlException {
        boolean fromStandardInput = source == null || source.equals("-");
        info(fromStandardInput ? "Importing definitions in JSON from standard input ..."
                : "Importing definitions in JSON from a file at \"" + source + "\" ...");
        String text;
        try {
            text = fromStandardInput ? new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    : java.nio.file.Files.readString(Path.of(source), StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CtlException(ExitCodes.DATA_ERROR, "file " + source + " does not exist");
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            throw new CtlException(ExitCodes.DATA_ERROR, "could not read " + source + ": " + e.getMessage());
        }
        JsonNode document;
        try {
            document = ManagementClient.JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CtlException(ExitCodes.DATA_ERROR, "failed to decode definitions in JSON from "
                    + (fromStandardInput ? "standard input" : source) + ": " + e.getOriginalMessage());
        }
        if (document == null || !document.isObject()) {
            throw new CtlException(ExitCodes.DATA_ERROR, "definitions must be a JSON object");
        }
        client().post("definitions", document).orFail();
        info("Successfully started definition import. This process is asynchronous and can take some time.");
        return ExitCodes.OK;
    }

    private String timeoutText() {
        return options.timeoutSeconds == null ? "60.0" : Double.toString(options.timeoutSeconds);
    }

    private static String format(double value) {
        return String.format(java.util.Locale.ROOT, "%.4f", value);
    }

    private static String gigabytes(long bytes) {
        return format(bytes / 1e9);
    }
}
