package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import dev.ferry.server.ctl.ManagementClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry consume QUEUE}: takes messages off a queue through the management API's get (acked,
 * so they are gone; {@code --requeue} only looks), and prints each body on a line (or, with
 * {@code --format json}, one JSON object per message with its properties), or saves each body to
 * a file in {@code --save-to}. {@code --count N} stops after N; {@code --follow} keeps waiting for
 * more (polling every {@code --poll-ms} while the queue is empty) until N or Ctrl-C.
 */
@Command(name = "consume", mixinStandardHelpOptions = true, description = "Takes messages off a queue: prints or saves them",
        footer = {"", "Examples:", "  ferry consume orders --count 10", "  ferry consume orders --follow --format json",
                "  ferry consume orders.dlq --count 1000 --save-to ./dead"})
final class ConsumeCommand implements Callable<Integer> {
    private static final int BATCH = 100;

    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "QUEUE")
    String queue;

    @Option(names = {"-n", "--count"}, paramLabel = "N",
            description = "Stop after N messages. Default: 1, or no limit with --follow")
    Long count;

    @Option(names = {"-f", "--follow"}, description = "Wait for messages when the queue is empty, until N or Ctrl-C")
    boolean follow;

    @Option(names = "--save-to", paramLabel = "DIR",
            description = "Write each body to DIR/message-000001 ... instead of printing it")
    Path saveTo;

    @Option(names = "--requeue", description = "Look only: the messages go back to the queue (at most one batch of "
            + BATCH + ")")
    boolean requeue;

    @Option(names = "--poll-ms", paramLabel = "MS", defaultValue = "200",
            description = "With --follow, how long to wait before asking an empty queue again. Default: ${DEFAULT-VALUE}")
    long pollMs;

    @Override
    public Integer call() throws CtlException, InterruptedException {
        long limit = count != null ? count : follow ? Long.MAX_VALUE : 1;
        if (limit < 1) {
            throw new CtlException(ExitCodes.USAGE, "--count must be at least 1");
        }
        if (requeue && (follow || limit > BATCH)) {
            throw new CtlException(ExitCodes.USAGE, "--requeue looks at one batch of at most " + BATCH
                    + " messages: it cannot --follow");
        }
        if (saveTo != null) {
            try {
                Files.createDirectories(saveTo);
            } catch (IOException e) {
                throw new CtlException(ExitCodes.DATA_ERROR, "cannot make " + saveTo + ": " + e.getMessage());
            }
        }
        String path = client.path("queues", queue) + "/get";
        long taken = 0;
        // Bodies printed on the terminal the bar is drawn on would break it up: then no bar.
        try (ProgressBar progress = limit > 1 && (saveTo != null || !client.stdoutIsTerminal())
                ? client.progress("consume", limit == Long.MAX_VALUE ? 0 : limit) : null) {
            while (taken < limit) {
                ObjectNode request = client.object().put("count", (int) Math.min(BATCH, limit - taken))
                        .put("ackmode", requeue ? "ack_requeue_true" : "ack_requeue_false").put("encoding", "auto");
                ManagementClient.Answer answer = client.client().post(path, request);
                if (answer.status() == 404) {
                    throw new CtlException(ExitCodes.DATA_ERROR, "queue '" + queue + "' does not exist in virtual host '"
                            + client.vhost + "'");
                }
                JsonNode messages = answer.orFail().json();
                for (JsonNode message : messages) {
                    taken++;
                    emit(message, taken);
                    if (progress != null) {
                        progress.update(taken);
                    }
                }
                if (messages.isEmpty()) {
                    if (!follow) {
                        break;
                    }
                    Thread.sleep(pollMs);
                }
                if (requeue) {
                    break;
                }
            }
        }
        if (count != null && taken < count && !follow) {
            client.err().println("queue " + queue + " had " + taken + " of the " + count + " messages asked for");
        }
        return ExitCodes.OK;
    }

    private void emit(JsonNode message, long sequence) throws CtlException {
        byte[] body = body(message);
        if (saveTo != null) {
            Path target = saveTo.resolve(String.format("message-%06d", sequence));
            try {
                Files.write(target, body);
            } catch (IOException e) {
                throw new CtlException(ExitCodes.DATA_ERROR, "cannot write " + target + ": " + e.getMessage());
            }
        } else if (client.json()) {
            ObjectNode line = client.object();
            line.put("routing_key", message.path("routing_key").asText());
            line.put("exchange", message.path("exchange").asText());
            line.put("redelivered", message.path("redelivered").asBoolean());
            line.set("properties", message.path("properties"));
            line.set("payload", message.path("payload"));
            line.set("payload_encoding", message.path("payload_encoding"));
            client.out().println(line);
        } else {
            client.out().println(new String(body, StandardCharsets.UTF_8));
        }
    }

    private static byte[] body(JsonNode message) {
        String payload = message.path("payload").asText();
        return message.path("payload_encoding").asText().equals("base64") ? Base64.getDecoder().decode(payload)
                : payload.getBytes(StandardCharsets.UTF_8);
    }
}
