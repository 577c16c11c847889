package dev.ferry.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.MessageQueue;

/** What the store tests share: a simulated crash and draining a queue. */
final class StoreTestSupport {
    static final ChannelRef CHANNEL = new ChannelRef(1, 1);

    private StoreTestSupport() {
    }

    /**
     * What a SIGKILL leaves of an open queue's {@code directory}: its files as they are now, copied
     * to a new directory under {@code parent}, without the open log's lock.
     */
    static Path crashCopy(Path directory, Path parent) throws IOException {
        Path copy = parent.resolve("crash-" + System.nanoTime());
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                if (!file.getFileName().toString().equals(".lock")) {
                    Files.copy(file, copy.resolve(file.getFileName()));
                }
            }
        }
        return copy;
    }

    static String body(Delivery delivery) {
        return new String(delivery.message().body(), StandardCharsets.UTF_8);
    }

    /** Gets every ready message with auto-ack, in order; records whether each came redelivered. */
    static List<String> drain(MessageQueue queue, List<Boolean> redelivered) {
        List<String> bodies = new ArrayList<>();
        while (true) {
            var result = queue.get(CHANNEL, true).join();
            if (result.isEmpty()) {
                return bodies;
            }
            bodies.add(body(result.delivery().get()));
            redelivered.add(result.delivery().get().redelivered());
        }
    }
}
