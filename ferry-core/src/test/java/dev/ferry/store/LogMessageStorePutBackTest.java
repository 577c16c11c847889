package dev.ferry.store;

import static dev.ferry.store.StoreTestSupport.CHANNEL;
import static dev.ferry.store.StoreTestSupport.body;
import static dev.ferry.store.StoreTestSupport.crashCopy;
import static dev.ferry.store.StoreTestSupport.drain;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.ManualQueueTimer;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueServices;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.QueuedMessage;
import dev.ferry.queue.SettleOutcome;

/**
 * A message recovered while it waited out an x-retry-delays delay goes back, when it is due, among
 * the paged-out messages if its offset lies among theirs (on disk only again, read back in its
 * place), or into memory if it lies before them; and its no longer waiting is checkpointed.
 */
class LogMessageStorePutBackTest {
    private static final long START = 1_700_000_000_000L;
    private static final Map<String, Object> RETRY_A_MINUTE = Map.of("x-retry-delays", List.of(60_000));

    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final List<MessageQueue> open = new ArrayList<>();
    private final ManualQueueTimer timer = new ManualQueueTimer(START);
    private int checkpointWrites;

    @AfterEach
    void closeEverything() {
        for (MessageQueue queue : open) {
            queue.closeStore().handle((ok, error) -> null).join();
        }
        flusher.close();
    }

    private LogMessageStore openStore(Path directory, PagingLimits limits) {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(64 * 1024)
                .batchBytesMax(64 * 1024).segmentDeleteDelayMs(0);
        Executor countingWriter = write -> {
            checkpointWrites++;
            write.run();
        };
        return LogMessageStore.open(directory, config, flusher, countingWriter, limits, "queue 'q'");
    }

    private MessageQueue openQueue(LogMessageStore store) {
        QueueSettings settings = new QueueSettings("/", "q", true, OptionalLong.empty(), false,
                QueueArguments.parse(RETRY_A_MINUTE, "queue 'q'"));
        MessageQueue queue = new MessageQueue(settings, store, Runnable::run, q -> { },
                new QueueServices(timer, (message, reason) -> { }));
        open.add(queue);
        return queue;
    }

    private static String get(MessageQueue queue) {
        return body(queue.get(CHANNEL, true).join().delivery().orElseThrow());
    }

    /**
     * m0 to m4 at offsets 0 to 4; {@code waiting} of them taken and returned, so it waits out its
     * delay; the rest of those taken stay unacked. Closed cleanly.
     */
    private Path queueWithOneWaiting(int waiting) {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(openStore(directory, PagingLimits.DEFAULTS));
        RetryDelayRecoveryTest.publish(queue, "m0", "m1", "m2", "m3", "m4");
        List<Delivery> taken = new ArrayList<>();
        for (int i = 0; i <= waiting; i++) {
            taken.add(queue.get(CHANNEL, false).join().delivery().orElseThrow());
        }
        queue.settle(CHANNEL, taken.get(waiting).deliveryId(), SettleOutcome.REQUEUE);
        queue.closeStore().join();
        open.remove(queue);
        return directory;
    }

    @Test
    void aWaitingMessageAtTheFirstOffsetNotYetPagedInGoesBackOnDisk() throws IOException {
        Path directory = queueWithOneWaiting(3);
        // Two in memory after the restart (m0, m1), m2 and m4 paged out around the waiting m3.
        LogMessageStore store = openStore(directory, new PagingLimits(2, 1024 * 1024));
        MessageQueue queue = openQueue(store);
        assertThat(store.pagedCount()).isEqualTo(2);
        assertThat(get(queue)).isEqualTo("m0");
        assertThat(get(queue)).isEqualTo("m1"); // m2 was read in before it: the next offset to read is m3's
        assertThat(store.pagedCount()).isEqualTo(1);
        queue.maintainStore();
        int writesBefore = checkpointWrites;

        timer.advance(60_000);

        assertThat(store.pagedCount()).as("m3 back on disk, at the head of what is read next").isEqualTo(2);
        assertThat(queue.messageCount()).isEqualTo(3);
        queue.maintainStore();
        assertThat(checkpointWrites).as("that m3 waits no more is checkpointed").isEqualTo(writesBefore + 1);
        assertThat(drain(openQueue(openStore(crashCopy(directory, dataDir), PagingLimits.DEFAULTS)),
                new ArrayList<>())).as("after a crash, m3 ready at once").containsExactly("m2", "m3", "m4");
        assertThat(drain(queue, new ArrayList<>())).containsExactly("m2", "m3", "m4");
    }

    @Test
    void aWaitingMessageBeforeThePagedOutOnesGoesBackIntoMemory() {
        Path directory = queueWithOneWaiting(2);
        // m0, m1 in memory, m2 waiting, m3 and m4 paged out after it.
        LogMessageStore store = openStore(directory, new PagingLimits(2, 1024 * 1024));
        MessageQueue queue = openQueue(store);
        assertThat(store.pagedCount()).isEqualTo(2);

        timer.advance(60_000);

        assertThat(store.pagedCount()).as("m2 in memory, ahead of the paged-out ones").isEqualTo(2);
        assertThat(drain(queue, new ArrayList<>())).containsExactly("m0", "m1", "m2", "m3", "m4");
    }

    @Test
    void aWaitingMessagePutBackOnDiskLeavesMemory() {
        Path directory = queueWithOneWaiting(3);
        LogMessageStore store = openStore(directory, new PagingLimits(2, 1024 * 1024));
        try {
            List<QueuedMessage> evicted = new ArrayList<>();
            store.setEvictedListener(evicted::add);
            assertThat(store.recovered()).hasSize(2);
            QueuedMessage m3 = store.recoveredWaiting().get(0);
            store.pollReady();
            store.pollReady(); // m2 read in: m3's offset is the next to read

            store.returnToReady(m3);

            assertThat(evicted).as("the object goes; its record is read back as a new one").containsExactly(m3);
            assertThat(store.pagedCount()).isEqualTo(2);
            QueuedMessage next = store.pollReady();
            assertThat(next.sequence()).isEqualTo(2);
            QueuedMessage readBack = store.pollReady();
            assertThat(readBack).isNotSameAs(m3);
            assertThat(readBack.logOffset()).isEqualTo(3);
        } finally {
            store.close();
        }
    }
}
