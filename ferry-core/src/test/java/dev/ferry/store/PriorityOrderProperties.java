package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.GetResult;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.MessageStore;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.SettleOutcome;

/**
 * A priority queue on a durable log whose memory holds only a few messages (so most are paged
 * out, in per-level pages), driven by random publishes, gets, acks, requeues, clean restarts and
 * crashes, agrees with a plain reference: the next message is the oldest of the highest level
 * (priority above x-max-priority counts as the maximum, none as 0), a requeued message goes back
 * to its place, and a restart brings back everything not acked, in the same order.
 */
class PriorityOrderProperties {
    private static final String DESCRIPTION = "queue 'q' in vhost '/'";

    /**
     * One step: 0-4 publish with {@code value} as priority (-1 none), 5-6 get, 7 ack, 8 requeue
     * (held index), 9 clean restart when {@code value} is even, else a crash (a restart fsyncs files:
     * one step in 26 keeps a run short).
     */
    record Step(int kind, int value) {
    }

    /** What the reference knows of a message: its body, level and place. */
    record Expected(String body, int level, long order) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Arbitraries.integers().between(0, 9 * 22 + 7).flatMap(n ->
                Arbitraries.integers().between(-1, 12).map(value -> new Step(n < 9 * 22 ? n / 22 : 9, value)));
        return step.list().ofMinSize(1).ofMaxSize(120);
    }

    @Property(tries = 50, seed = "20261130")
    void shouldDeliverAsTheReferenceDoes(@ForAll("steps") List<Step> steps,
                                         @ForAll @IntRange(min = 0, max = 10) int maxPriority,
                                         @ForAll @IntRange(min = 2, max = 5) int memoryMessages) throws IOException {
        Path directory = Files.createTempDirectory("priority-order");
        QueueArguments arguments = QueueArguments.parse(Map.of("x-max-priority", maxPriority), DESCRIPTION);
        QueueSettings settings = new QueueSettings("/", "q", true, OptionalLong.empty(), false, arguments);
        PagingLimits limits = new PagingLimits(memoryMessages, 1024 * 1024);
        LogFlusher flusher = new LogFlusher("priority-order-flusher");
        Path queueDirectory = directory.resolve("q");
        MessageQueue queue = open(queueDirectory, settings, limits, flusher);
        ChannelRef channel = new ChannelRef(1, 1);
        List<Expected> ready = new ArrayList<>();
        List<Expected> held = new ArrayList<>();
        List<Long> heldIds = new ArrayList<>();
        long published = 0;
        try {
            for (Step step : steps) {
                switch (step.kind()) {
                    case 0, 1, 2, 3, 4 -> {
                        String body = "m" + published;
                        queue.enqueue(message(body, step.value()), null);
                        int level = maxPriority == 0 || step.value() <= 0 ? 0 : Math.min(step.value(), maxPriority);
                        ready.add(new Expected(body, level, published++));
                    }
                    case 5, 6 -> {
                        GetResult result = queue.get(channel, false).join();
                        Expected expected = ready.stream().min(deliveryOrder()).orElse(null);
                        if (expected == null) {
                            assertThat(result.isEmpty()).as("get from an empty queue").isTrue();
                        } else {
                            Delivery delivery = result.delivery().orElseThrow();
                            assertThat(new String(delivery.message().body(), StandardCharsets.UTF_8))
                                    .as("next of %s", ready).isEqualTo(expected.body());
                            ready.remove(expected);
                            held.add(expected);
                            heldIds.add(delivery.deliveryId());
                        }
                    }
                    case 7, 8 -> {
                        if (!held.isEmpty()) {
                            int index = Math.floorMod(step.value(), held.size());
                            queue.settle(channel, heldIds.remove(index),
                                    step.kind() == 7 ? SettleOutcome.ACK : SettleOutcome.REQUEUE);
                            Expected settled = held.remove(index);
                            if (step.kind() == 8) {
                                ready.add(settled);
                            }
                        }
                    }
                    default -> {
                        if (step.value() % 2 == 0) {
                            queue.closeStore().join();
                        } else {
                            queue.maintainStore(); // the acks' checkpoint, written inline
                            Path crashed = crashCopy(queueDirectory, directory);
                            queue.closeStore().join(); // the copy is what the crash left
                            queueDirectory = crashed;
                        }
                        ready.addAll(held);
                        held.clear();
                        heldIds.clear();
                        queue = open(queueDirectory, settings, limits, flusher);
                    }
                }
                assertThat(queue.counts().join().messageCount()).as("ready messages").isEqualTo(ready.size());
            }
            List<String> rest = new ArrayList<>();
            GetResult result;
            while (!(result = queue.get(channel, true).join()).isEmpty()) {
                rest.add(new String(result.delivery().orElseThrow().message().body(), StandardCharsets.UTF_8));
            }
            assertThat(rest).isEqualTo(ready.stream().sorted(deliveryOrder()).map(Expected::body).toList());
        } finally {
            queue.closeStore().join();
            flusher.close();
            StorageFiles.deleteRecursively(directory);
        }
    }

    private static Comparator<Expected> deliveryOrder() {
        return Comparator.comparingInt(Expected::level).reversed().thenComparingLong(Expected::order);
    }

    private static MessageQueue open(Path directory, QueueSettings settings, PagingLimits limits, LogFlusher flusher) {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.NEVER).segmentBytesMax(64 * 1024).batchBytesMax(64 * 1024)
                .segmentDeleteDelayMs(0);
        MessageStore store = LogMessageStore.open(directory, config, flusher, FileHandleCache.processDefault(), Runnable::run,
                limits, DESCRIPTION,
                settings.arguments().maxPriority().orElse(0));
        return new MessageQueue(settings, store, Runnable::run, q -> { });
    }

    private static Message message(String body, int priority) {
        MessageProperties properties = new MessageProperties(null, null, null, MessageProperties.PERSISTENT, priority,
                null, null, null, null, null, null, null, null, null);
        return new Message("", "q", properties, body.getBytes(StandardCharsets.UTF_8));
    }

    /** The queue's files as a crash would leave them (without its lock), in a new directory. */
    private static Path crashCopy(Path from, Path parent) {
        Path copy = parent.resolve("crash-" + System.nanoTime());
        try {
            Files.createDirectories(copy);
            try (Stream<Path> files = Files.list(from)) {
                for (Path file : files.toList()) {
                    if (!file.getFileName().toString().equals(".lock")) {
                        Files.copy(file, copy.resolve(file.getFileName()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copy;
    }
}
