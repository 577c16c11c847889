package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import dev.ferry.server.ctl.ManagementClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry definitions export|import}: RabbitMQ's definitions document (users, vhosts,
 * permissions, exchanges, queues, bindings) through {@code /api/definitions}.
 */
@Command(name = "definitions", mixinStandardHelpOptions = true,
        description = "Exports or imports the broker's definitions (RabbitMQ's JSON format)",
        subcommands = {DefinitionsCommand.Export.class, DefinitionsCommand.Import.class})
final class DefinitionsCommand {
    /** Topology entries posted at once on import: a step of the progress bar. */
    static final int CHUNK = 500;
    private static final List<String> TOPOLOGY = List.of("exchanges", "queues", "bindings");

    @Command(name = "export", mixinStandardHelpOptions = true, description = "Writes the definitions to a file or stdout")
    static final class Export implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "Where to write them. Default: stdout")
        Path file;

        @Override
        public Integer call() throws CtlException {
            JsonNode definitions = client.client().get("definitions").orFail().json();
            String text = definitions.toPrettyString();
            if (file == null || file.toString().equals("-")) {
                client.out().println(text);
                return ExitCodes.OK;
            }
            try {
                Files.writeString(file, text + "\n");
            } catch (IOException e) {
                throw new CtlException(ExitCodes.DATA_ERROR, "cannot write " + file + ": " + e.getMessage());
            }
            client.err().println("exported " + summary(definitions) + " to " + file);
            return ExitCodes.OK;
        }
    }

    /**
     * Posts the document in steps: first everything but the topology (users, vhosts, permissions,
     * limits, policies), then exchanges, queues and bindings {@value #CHUNK} at a time, in that
     * order, so that every binding finds its ends in the broker. The progress bar counts entries.
     * A step the broker refuses stops the import; what earlier steps applied stays, as with
     * RabbitMQ's own import of a document it refuses halfway.
     */
    @Command(name = "import", mixinStandardHelpOptions = true, description = "Applies a definitions file to the broker")
    static final class Import implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "FILE", description = "A definitions file (as export writes)")
        Path file;

        @Override
        public Integer call() throws CtlException {
            JsonNode document;
            try {
                document = ManagementClient.JSON.readTree(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new CtlException(ExitCodes.DATA_ERROR, "cannot read " + file + " as JSON: " + e.getMessage());
            }
            if (document == null || !document.isObject()) {
                throw new CtlException(ExitCodes.DATA_ERROR, file + " is not a definitions document (a JSON object)");
            }
            List<ObjectNode> steps = steps((ObjectNode) document);
            long total = 0;
            for (ObjectNode step : steps) {
                total += entries(step);
            }
            long done = 0;
            try (ProgressBar progress = client.progress("import", total)) {
                for (ObjectNode step : steps) {
                    ManagementClient.Answer answer = client.client().post("definitions", step);
                    if (!answer.ok()) {
                        throw new CtlException(answer.status() == 400 ? ExitCodes.DATA_ERROR : ExitCodes.SOFTWARE,
                                "the broker refused the definitions after " + done + " of " + total + " entries: "
                                        + answer.reason());
                    }
                    done += entries(step);
                    progress.update(done);
                }
            }
            client.err().println("imported " + summary(document) + " from " + file);
            return ExitCodes.OK;
        }

        private static List<ObjectNode> steps(ObjectNode document) {
            List<ObjectNode> steps = new ArrayList<>();
            ObjectNode access = document.deepCopy();
            TOPOLOGY.forEach(access::remove);
            steps.add(access);
            for (String kind : TOPOLOGY) {
                JsonNode entries = document.path(kind);
                for (int start = 0; start < entries.size(); start += CHUNK) {
                    ObjectNode step = ManagementClient.JSON.createObjectNode();
                    if (document.has("rabbit_version")) {
                        step.set("rabbit_version", document.get("rabbit_version"));
                    }
                    ArrayNode chunk = step.putArray(kind);
                    for (int i = start; i < Math.min(entries.size(), start + CHUNK); i++) {
                        chunk.add(entries.get(i));
                    }
                    steps.add(step);
                }
            }
            return steps;
        }
    }

    /** How many entries of every list a step holds (at least 1, so that a step of settings alone counts). */
    private static long entries(JsonNode step) {
        long count = 0;
        for (JsonNode value : step) {
            if (value.isArray()) {
                count += value.size();
            }
        }
        return Math.max(1, count);
    }

    private static String summary(JsonNode document) {
        return document.path("queues").size() + " queues, " + document.path("exchanges").size() + " exchanges, "
                + document.path("bindings").size() + " bindings, " + document.path("users").size() + " users";
    }
}
