package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import dev.ferry.server.ctl.ManagementClient;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The listing commands: each one GET of the management API, printed as a {@link Table}. Queues,
 * exchanges and bindings are of one virtual host ({@code --vhost}); connections, topics and groups
 * of the whole broker.
 */
final class ListCommands {
    private ListCommands() {
    }

    /** One listing: the path and the columns; a 404 means "none here" for vhost-scoped paths. */
    abstract static class Listing implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        abstract String path();

        abstract List<Table.Column> columns();

        /** What to say when the broker has no such endpoint at all; null: a 404 means no such virtual host. */
        String missingEndpoint() {
            return null;
        }

        @Override
        public Integer call() throws CtlException {
            ManagementClient.Answer answer = client.client().get(path());
            if (answer.status() == 404) {
                throw missingEndpoint() != null ? new CtlException(ExitCodes.UNAVAILABLE, missingEndpoint())
                        : new CtlException(ExitCodes.DATA_ERROR, "virtual host '" + client.vhost + "' does not exist");
            }
            client.print(client.table(columns()), answer.orFail().json());
            return ExitCodes.OK;
        }
    }

    @Command(name = "queues", mixinStandardHelpOptions = true, description = "Lists the queues of a virtual host")
    static final class Queues extends Listing {
        @Override
        String path() {
            return "queues/" + client.vhostPath();
        }

        @Override
        List<Table.Column> columns() {
            return List.of(Table.Column.of("name"), Table.Column.of("type"), Table.Column.of("messages"),
                    Table.Column.at("ready", "/messages_ready"), Table.Column.at("unacked", "/messages_unacknowledged"),
                    Table.Column.of("consumers"), Table.Column.of("durable"), Table.Column.of("arguments"));
        }
    }

    @Command(name = "exchanges", mixinStandardHelpOptions = true, description = "Lists the exchanges of a virtual host")
    static final class Exchanges extends Listing {
        @Override
        String path() {
            return "exchanges/" + client.vhostPath();
        }

        @Override
        List<Table.Column> columns() {
            return List.of(Table.Column.of("name"), Table.Column.of("type"), Table.Column.of("durable"),
                    Table.Column.of("auto_delete"), Table.Column.of("internal"), Table.Column.of("arguments"));
        }
    }

    @Command(name = "bindings", mixinStandardHelpOptions = true, description = "Lists the bindings of a virtual host")
    static final class Bindings extends Listing {
        @Override
        String path() {
            return "bindings/" + client.vhostPath();
        }

        @Override
        List<Table.Column> columns() {
            return List.of(Table.Column.of("source"), Table.Column.of("destination"),
                    Table.Column.at("destination_type", "/destination_type"), Table.Column.of("routing_key"),
                    Table.Column.of("arguments"));
        }
    }

    @Command(name = "connections", mixinStandardHelpOptions = true, description = "Lists the client connections")
    static final class Connections extends Listing {
        @Override
        String path() {
            return "connections";
        }

        @Override
        List<Table.Column> columns() {
            return List.of(Table.Column.of("name"), Table.Column.of("user"), Table.Column.of("vhost"),
                    Table.Column.of("protocol"), Table.Column.of("state"), Table.Column.of("peer_host"),
                    Table.Column.of("peer_port"));
        }
    }

    @Command(name = "topics", mixinStandardHelpOptions = true,
            description = "Lists the Kafka topics (streams) and their partitions")
    static final class Topics extends Listing {
        @Override
        String path() {
            return "streams";
        }

        @Override
        String missingEndpoint() {
            return "this broker does not list topics: it has no /api/streams (an older Ferry, or RabbitMQ)";
        }

        @Override
        List<Table.Column> columns() {
            return List.of(Table.Column.of("name"), Table.Column.of("vhost"),
                    new Table.Column("partitions", row -> count(row.path("partitions"))),
                    Table.Column.of("messages"));
        }
    }

    @Command(name = "groups", mixinStandardHelpOptions = true,
            description = "Lists the Kafka consumer groups, their members and their lag")
    static final class Groups extends Listing {
        @Override
        String path() {
            return "groups";
        }

        @Override
        String missingEndpoint() {
            return "this broker does not list consumer groups: it has no /api/groups (an older Ferry, or RabbitMQ)";
        }

        @Override
        List<Table.Column> columns() {
            return List.of(Table.Column.of("name"), Table.Column.of("state"),
                    new Table.Column("members", row -> count(row.path("members"))),
                    new Table.Column("lag", row -> sum(row.path("lag"))));
        }
    }

    /** A count that may come as a number or as the list of what is counted. */
    static JsonNode count(JsonNode value) {
        return value.isArray() ? IntNode.valueOf(value.size()) : value;
    }

    /** A lag that may come as a number, or per partition (a list of numbers or of objects with "lag"). */
    static JsonNode sum(JsonNode value) {
        if (!value.isArray() && !value.isObject()) {
            return value;
        }
        long total = 0;
        for (JsonNode item : value) {
            total += item.isNumber() ? item.asLong() : item.path("lag").asLong();
        }
        return LongNode.valueOf(total);
    }
}
