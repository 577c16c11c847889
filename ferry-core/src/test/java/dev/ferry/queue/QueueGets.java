package dev.ferry.queue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Empties a queue through basic.get, for tests that check what is left and in what order. */
final class QueueGets {
    private QueueGets() {
    }

    /** The bodies of every ready message, in delivery order, each taken no-ack. */
    static List<String> drainWithGet(MessageQueue queue, ChannelRef channel) {
        List<String> bodies = new ArrayList<>();
        GetResult result;
        while (!(result = queue.get(channel, true).join()).isEmpty()) {
            bodies.add(new String(result.delivery().orElseThrow().message().body(), StandardCharsets.UTF_8));
        }
        return bodies;
    }
}
