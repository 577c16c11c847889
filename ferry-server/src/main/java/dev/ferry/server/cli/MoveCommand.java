package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import dev.ferry.server.ctl.ManagementClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ferry move --from DLQ [--to QUEUE] [--reason R]}: replays a dead-letter queue through
 * the broker's {@code POST /api/queues/{vhost}/{name}/move}, {@value #CHUNK} messages a call so
 * that the progress bar moves (the broker moves at least once: a message is acknowledged in the
 * source only once its destination stored it). Without {@code --to} each message goes back to the
 * queue its latest {@code x-death} entry names. It stops when a call moved fewer than it asked for
 * (the broker's walk met every message), when only skipped messages are left, or at
 * {@code --count}. A queue that is not there is exit code 65, as is a destination that is not.
 */
@Command(name = "move", mixinStandardHelpOptions = true,
        description = "Moves messages from one queue to another (replays a dead-letter queue)",
        footer = {"", "Examples:", "  ferry move --from orders.dlq                  (each back where it was dead-lettered)",
                "  ferry move --from orders.dlq --to orders.retry --reason rejected"})
final class MoveCommand implements Callable<Integer> {
    static final int CHUNK = 200;

    @Mixin
    ClientOptions client;

    @Option(names = "--from", required = true, paramLabel = "QUEUE", description = "The queue to take messages from")
    String from;

    @Option(names = "--to", paramLabel = "QUEUE",
            description = "Where they go. Default: the queue named in each message's latest x-death entry")
    String to;

    @Option(names = "--reason", paramLabel = "REASON",
            description = "Only messages dead-lettered for this reason (their latest x-death): rejected, expired, "
                    + "maxlen or delivery_limit")
    DeathReason reason;

    @Option(names = {"-n", "--count"}, paramLabel = "N", description = "Move at most N messages. Default: all")
    Long count;

    /** x-death reasons, as RabbitMQ writes them. */
    enum DeathReason { rejected, expired, maxlen, delivery_limit }

    @Override
    public Integer call() throws CtlException {
        if (count != null && count < 1) {
            throw new CtlException(ExitCodes.USAGE, "--count must be at least 1");
        }
        String queuePath = client.path("queues", from);
        ManagementClient.Answer source = client.client().get(queuePath);
        if (source.status() == 404) {
            throw new CtlException(ExitCodes.DATA_ERROR, "queue '" + from + "' does not exist in virtual host '"
                    + client.vhost + "'");
        }
        long present = source.orFail().json().path("messages_ready").asLong();
        // Each call walks the source from its head; the messages it skips go back there, so the next
        // call meets them again: a call's "skipped" counts every message left behind so far.
        long total = count == null ? present : Math.min(count, present);
        long moved = 0;
        long skipped = 0;
        long remaining = present;
        try (ProgressBar progress = client.progress("move", total)) {
            while (remaining > skipped && (count == null || moved < count)) {
                long wanted = count == null ? CHUNK : Math.min(CHUNK, count - moved);
                ObjectNode request = client.object().put("count", (int) wanted);
                if (to != null) {
                    request.put("destination", to);
                }
                if (reason != null) {
                    request.put("reason", reason.name());
                }
                ManagementClient.Answer answer = client.client().post(queuePath + "/move", request);
                if (answer.status() == 404 || answer.status() == 405) {
                    throw new CtlException(ExitCodes.UNAVAILABLE, "this broker cannot move messages "
                            + "(no POST /api/queues/{vhost}/{name}/move): " + answer.reason());
                }
                JsonNode result = answer.orFail().json();
                long movedNow = result.path("moved").asLong();
                moved += movedNow;
                skipped = result.path("skipped").asLong();
                remaining = result.path("remaining").asLong();
                progress.update(Math.min(total, count == null ? moved + skipped : moved));
                if (movedNow < wanted) {
                    break; // the walk met every message and moved what it could
                }
            }
        }
        if (client.json()) {
            client.out().println(client.object().put("moved", moved).put("skipped", skipped).put("remaining", remaining));
        } else {
            client.err().println("moved " + moved + ", skipped " + skipped + ", " + remaining + " left in " + from);
        }
        return ExitCodes.OK;
    }
}
