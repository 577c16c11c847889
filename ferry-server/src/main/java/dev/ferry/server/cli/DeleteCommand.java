package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import dev.ferry.server.ctl.ManagementClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry delete queue|exchange|binding}: the management API's DELETEs. Something missing is exit code 65. */
@Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a queue, an exchange or a binding",
        subcommands = {DeleteCommand.Queue.class, DeleteCommand.Exchange.class, DeleteCommand.Binding.class})
final class DeleteCommand {

    @Command(name = "queue", mixinStandardHelpOptions = true, description = "Deletes a queue and its messages")
    static final class Queue implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--if-unused", description = "Only if it has no consumers")
        boolean ifUnused;

        @Option(names = "--if-empty", description = "Only if it has no messages")
        boolean ifEmpty;

        @Override
        public Integer call() throws CtlException {
            List<String> conditions = new ArrayList<>();
            if (ifUnused) {
                conditions.add("if-unused=true");
            }
            if (ifEmpty) {
                conditions.add("if-empty=true");
            }
            String path = client.path("queues", name) + (conditions.isEmpty() ? "" : "?" + String.join("&", conditions));
            deleteOrFail(client, path, "queue '" + name + "' does not exist in virtual host '" + client.vhost + "'");
            client.err().println("deleted queue " + name);
            return ExitCodes.OK;
        }
    }

    @Command(name = "exchange", mixinStandardHelpOptions = true, description = "Deletes an exchange and its bindings")
    static final class Exchange implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--if-unused", description = "Only if nothing is bound to it")
        boolean ifUnused;

        @Override
        public Integer call() throws CtlException {
            String path = client.path("exchanges", name) + (ifUnused ? "?if-unused=true" : "");
            deleteOrFail(client, path, "exchange '" + name + "' does not exist in virtual host '" + client.vhost + "'");
            client.err().println("deleted exchange " + name);
            return ExitCodes.OK;
        }
    }

    @Command(name = "binding", mixinStandardHelpOptions = true,
            description = "Deletes the bindings from an exchange to a queue (or exchange) with a routing key")
    static final class Binding implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Option(names = "--source", required = true, paramLabel = "EXCHANGE")
        String source;

        @Option(names = "--destination", required = true, paramLabel = "NAME")
        String destination;

        @Option(names = "--destination-type", paramLabel = "TYPE", defaultValue = "queue",
                description = "queue or exchange. Default: ${DEFAULT-VALUE}")
        String destinationType;

        @Option(names = {"-k", "--routing-key"}, paramLabel = "KEY", defaultValue = "")
        String routingKey;

        @Override
        public Integer call() throws CtlException {
            String between = "bindings/" + client.vhostPath() + "/e/" + ManagementClient.segment(source) + "/"
                    + destinationKind(destinationType) + "/" + ManagementClient.segment(destination);
            ManagementClient.Answer listed = client.client().get(between);
            String missing = "no binding from exchange '" + source + "' to " + destinationType + " '" + destination
                    + "' with routing key '" + routingKey + "'";
            if (listed.status() == 404) {
                throw new CtlException(ExitCodes.DATA_ERROR, missing);
            }
            int deleted = 0;
            for (JsonNode binding : listed.orFail().json()) {
                if (binding.path("routing_key").asText().equals(routingKey)) {
                    deleteOrFail(client, between + "/" + ManagementClient.segment(binding.path("properties_key").asText()),
                            missing);
                    deleted++;
                }
            }
            if (deleted == 0) {
                throw new CtlException(ExitCodes.DATA_ERROR, missing);
            }
            client.err().println("deleted " + deleted + " binding" + (deleted == 1 ? "" : "s"));
            return ExitCodes.OK;
        }
    }

    private static void deleteOrFail(ClientOptions client, String path, String missing) throws CtlException {
        ManagementClient.Answer answer = client.client().delete(path);
        if (answer.status() == 404) {
            throw new CtlException(ExitCodes.DATA_ERROR, missing);
        }
        answer.orFail();
    }

    /** The API's letter for a binding's destination: {@code q} or {@code e}. */
    static String destinationKind(String destinationType) throws CtlException {
        return switch (destinationType) {
            case "queue", "q" -> "q";
            case "exchange", "e" -> "e";
            default -> throw new CtlException(ExitCodes.USAGE, "--destination-type must be queue or exchange, not '"
                    + destinationType + "'");
        };
    }
}
