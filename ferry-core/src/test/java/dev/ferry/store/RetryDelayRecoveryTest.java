package dev.ferry.store;

import static dev.ferry.store.StoreTestSupport.CHANNEL;
import static dev.ferry.store.StoreTestSupport.body;
import static dev.ferry.store.StoreTestSupport.crashCopy;
import static dev.ferry.store.StoreTestSupport.drain;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.ManualQueueTimer;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueServices;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.SettleOutcome;

/**
 * A persistent message waiting out an x-retry-delays delay when the broker stops waits again after
 * the restart, until the time it was due, instead of being ready at once.
 */
class RetryDelayRecoveryTest {
    private static final long START = 1_700_000_000_000L;
    private static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);
    private static final Map<String, Object> RETRY_A_MINUTE = Map.of("x-retry-delays", List.of(60_000));

    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final List<MessageQueue> open = new ArrayList<>();
    private final ManualQueueTimer timer = new ManualQueueTimer(START);

    @AfterEach
    void closeEverything() {
        for (MessageQueue queue : open) {
            queue.closeStore().handle((ok, error) -> null).join();
        }
        flusher.close();
    }

    private MessageQueue openQueue(Path directory, PagingLimits limits) {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(64 * 1024)
                .batchBytesMax(64 * 1024).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.open(directory, config, flusher, Runnable::run, limits, "queue 'q'");
        QueueSettings settings = new QueueSettings("/", "q", true, OptionalLong.empty(), false,
                QueueArguments.parse(RETRY_A_MINUTE, "queue 'q'"));
        MessageQueue queue = new MessageQueue(settings, store, Runnable::run, q -> { },
                new QueueServices(timer, (message, reason) -> { }));
        open.add(queue);
        return queue;
    }

    /** Publishes persistent messages to {@code q} and waits until each is confirmed. */
    static void publish(MessageQueue queue, String... bodies) {
        List<PublishConfirm> confirms = new ArrayList<>();
        for (String body : bodies) {
            PublishConfirm confirm = new PublishConfirm(1);
            queue.enqueue(new Message("", "q", PERSISTENT, body.getBytes(StandardCharsets.UTF_8)), confirm);
            confirms.add(confirm);
        }
        confirms.forEach(confirm -> assertThat(confirm.accepted()).succeedsWithin(Duration.ofSeconds(5)));
    }

    /** Gets the next message and nacks it with requeue: it waits out the retry delay. */
    private static String getAndReturn(MessageQueue queue) {
        Delivery delivery = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        queue.settle(CHANNEL, delivery.deliveryId(), SettleOutcome.REQUEUE);
        return body(delivery);
    }

    @Test
    void aWaitingMessageWaitsUntilItsDueTimeAfterACrash() throws IOException {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, PagingLimits.DEFAULTS);
        publish(queue, "a", "b");
        assertThat(getAndReturn(queue)).isEqualTo("a");
        timer.advance(10_000);
        queue.maintainStore(); // the checkpoint knows a is due at START + 60 s

        MessageQueue recovered = openQueue(crashCopy(directory, dataDir), PagingLimits.DEFAULTS);
        assertThat(recovered.messageCount()).as("a waits, it is not ready").isEqualTo(1);
        Delivery b = recovered.get(CHANNEL, true).join().delivery().orElseThrow();
        assertThat(body(b)).isEqualTo("b");
        assertThat(recovered.get(CHANNEL, true).join().isEmpty()).isTrue();

        timer.advance(49_999);
        assertThat(recovered.get(CHANNEL, true).join().isEmpty()).as("not due yet").isTrue();
        timer.advance(1);
        Delivery a = recovered.get(CHANNEL, true).join().delivery().orElseThrow();
        assertThat(body(a)).isEqualTo("a");
        assertThat(a.redelivered()).isTrue();
        assertThat(a.message().properties().headers()).containsEntry("x-delivery-count", 1L);
    }

    @Test
    void aWaitingMessageWaitsAgainAfterACleanRestartAndIsReadyOnceItWasDue() {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, PagingLimits.DEFAULTS);
        publish(queue, "a", "b");
        assertThat(getAndReturn(queue)).isEqualTo("a");
        queue.closeStore().join();
        open.remove(queue);

        MessageQueue reopened = openQueue(directory, PagingLimits.DEFAULTS);
        assertThat(reopened.messageCount()).isEqualTo(1);
        timer.advance(60_000);
        assertThat(reopened.messageCount()).isEqualTo(2);
        reopened.closeStore().join();
        open.remove(reopened);

        // Due and back in the queue before this stop: ready at once, in its place.
        MessageQueue third = openQueue(directory, PagingLimits.DEFAULTS);
        assertThat(drain(third, new ArrayList<>())).containsExactly("a", "b");
    }

    @Test
    void twoMessagesWaitingAtTheSameTimeBothComeBackAfterARestart() throws IOException {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, PagingLimits.DEFAULTS);
        publish(queue, "a", "b", "c");
        assertThat(getAndReturn(queue)).isEqualTo("a");
        assertThat(getAndReturn(queue)).isEqualTo("b");
        queue.maintainStore();

        MessageQueue recovered = openQueue(crashCopy(directory, dataDir), PagingLimits.DEFAULTS);
        timer.advance(60_000);
        assertThat(drain(recovered, new ArrayList<>())).containsExactly("a", "b", "c");
    }

    @Test
    void aWaitingMessageAmongPagedOutOnesComesBackInItsPlace() {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, PagingLimits.DEFAULTS);
        List<String> bodies = IntStream.range(0, 30).mapToObj(i -> "m" + i).toList();
        publish(queue, bodies.toArray(String[]::new));
        // Take the first 20 without acking them, return the 20th: it waits; the rest go back.
        List<Delivery> taken = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            taken.add(queue.get(CHANNEL, false).join().delivery().orElseThrow());
        }
        queue.settle(CHANNEL, taken.get(19).deliveryId(), SettleOutcome.REQUEUE);
        queue.closeStore().join();
        open.remove(queue);

        // Four in memory after the restart: m19 lies among the paged-out messages.
        MessageQueue reopened = openQueue(directory, new PagingLimits(4, 1024 * 1024));
        assertThat(reopened.messageCount()).isEqualTo(29);
        timer.advance(60_000);
        assertThat(drain(reopened, new ArrayList<>())).containsExactlyElementsOf(bodies);
    }
}
