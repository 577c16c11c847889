package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.DeduplicationSettings;
import dev.ferry.queue.DeduplicationWindow;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueuedMessage;

/**
 * The store's bookkeeping seen from outside, on real files: what a closed store still does (nothing),
 * what a purge gives back and settles (in memory, paged, by priority level), return counts dropped
 * once their message is settled, a spill log's settled segments given back while it pages, and
 * the journal offsets of deduplication ids.
 */
class LogMessageStoreHousekeepingTest {
    private static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);
    private static final MessageProperties TRANSIENT = new MessageProperties(null, null, null, 1, -1, null, null,
            null, null, null, null, null, null, null);
    private static final LogConfig CONFIG = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(8 * 1024 * 1024)
            .batchBytesMax(4 * MessageBody.DIRECT_FROM_BYTES).segmentDeleteDelayMs(0);

    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final FileHandleCache files = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
    private final List<LogMessageStore> stores = new ArrayList<>();
    private final List<AckCheckpoint> checkpoints = new ArrayList<>();
    private int checkpointTasks;
    private long nextSequence;

    @AfterEach
    void closeEverything() {
        stores.forEach(LogMessageStore::close);
        flusher.close();
    }

    private LogMessageStore open(String name, PagingLimits limits, int topLevel) {
        LogMessageStore.StoreObserver observer = new LogMessageStore.StoreObserver() {
            @Override
            public void checkpointWritten(AckCheckpoint checkpoint) {
                checkpoints.add(checkpoint);
            }
        };
        Executor countingWriter = task -> {
            checkpointTasks++;
            task.run();
        };
        LogMessageStore store = LogMessageStore.open(dataDir.resolve(name), CONFIG, flusher, files, countingWriter,
                limits, "queue 'q'", LogMessageStore.LogAppender.DIRECT, observer, topLevel);
        stores.add(store);
        return store;
    }

    private QueuedMessage message(String body, MessageProperties properties) {
        return new QueuedMessage(nextSequence++, new Message("", "q", properties, body.getBytes(StandardCharsets.UTF_8)));
    }

    /** A message that came back to a queue once already (as the queue marks one it returns). */
    private QueuedMessage returnedOnce(String body) {
        return QueuedMessage.recovered(nextSequence++, new Message("", "q", PERSISTENT,
                body.getBytes(StandardCharsets.UTF_8)), QueuedMessage.NOT_IN_LOG, Long.MAX_VALUE, false, 1);
    }

    private static void appendAll(LogMessageStore store, QueuedMessage... messages) {
        for (QueuedMessage message : messages) {
            store.append(message, null);
        }
        store.endOfDrain();
    }

    @Test
    void aClosedStoreWritesNoCheckpointWhenMaintainedOrClosedAgain() {
        LogMessageStore store = open("q", PagingLimits.DEFAULTS, 0);
        appendAll(store, message("a", PERSISTENT), message("b", PERSISTENT));
        store.settle(store.pollReady()); // a checkpoint is due
        store.close();
        assertThat(checkpoints).hasSize(1);
        assertThat(checkpoints.get(0).cleanShutdown()).isTrue();

        store.maintain();
        store.close();

        assertThat(checkpointTasks).as("nothing handed to the maintenance thread").isZero();
        assertThat(checkpoints).hasSize(1);
    }

    @Test
    void aPurgeGivesTheStoresReferencesToTheBodiesBack() {
        LogMessageStore store = open("q", PagingLimits.DEFAULTS, 0);
        MessageBody body = MessageBody.allocate(MessageBody.DIRECT_FROM_BYTES);
        body.retain(); // the test's own
        appendAll(store, new QueuedMessage(nextSequence++, new Message("", "q", PERSISTENT, body)));
        int held = body.references();

        assertThat(store.purgeReady()).isEqualTo(1);

        assertThat(body.references()).as("the queue's reference given back").isEqualTo(held - 1);
    }

    @Test
    void aPurgeOfAQueueWithPrioritiesSettlesItsPagedOutMessagesToo() {
        LogMessageStore store = open("q", new PagingLimits(2, 1024 * 1024), 2);
        for (int i = 0; i < 5; i++) {
            appendAll(store, message("m" + i, PERSISTENT));
        }
        assertThat(store.pagedCount()).isEqualTo(3);

        assertThat(store.purgeReady()).isEqualTo(5);
        store.close();

        LogMessageStore reopened = open("q", PagingLimits.DEFAULTS, 2);
        assertThat(reopened.readyCount()).isZero();
    }

    @Test
    void aSettledMessageLeavesNoReturnCountInTheCheckpoint() {
        LogMessageStore store = open("q", PagingLimits.DEFAULTS, 0);
        appendAll(store, message("a", PERSISTENT), returnedOnce("b"));
        store.pollReady(); // a stays unacked: the low-water mark stays below b
        QueuedMessage b = store.pollReady();
        store.returned(b);
        store.settle(b);

        store.maintain();

        assertThat(checkpoints).hasSize(1);
        assertThat(checkpoints.get(0).lowWater()).isZero();
        assertThat(checkpoints.get(0).countedOffsets()).isEmpty();
    }

    @Test
    void aPurgedPagedOutMessageLeavesNoReturnCountInTheCheckpoint() {
        LogMessageStore first = open("q", PagingLimits.DEFAULTS, 0);
        appendAll(first, message("m0", PERSISTENT), message("m1", PERSISTENT), returnedOnce("x"));
        first.pollReady();
        first.pollReady();
        first.returned(first.pollReady()); // x, at offset 2, came back once
        first.close();

        // m0 and m1 in memory after the restart, x paged out with its count.
        LogMessageStore store = open("q", new PagingLimits(2, 1024 * 1024), 0);
        assertThat(store.pagedCount()).isEqualTo(1);
        checkpoints.clear(); // the open's own, saying the run is not a clean one any more
        store.pollReady(); // m0 stays unacked
        assertThat(store.purgeReady()).isEqualTo(2);
        store.maintain();

        assertThat(checkpoints).hasSize(1);
        assertThat(checkpoints.get(0).lowWater()).isZero();
        assertThat(checkpoints.get(0).countedOffsets()).isEmpty();
    }

    @Test
    void aSpillLogGivesBackItsSettledSegmentsWhileItStillPages() {
        LogConfig smallSegments = new LogConfig().fsyncPolicy(FsyncPolicy.NEVER).segmentBytesMax(1024)
                .batchBytesMax(1024).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.openTransient(dataDir.resolve("spill"), smallSegments, flusher, files,
                new PagingLimits(2, 1024 * 1024), "queue 'q'", 0);
        stores.add(store);
        String body = "x".repeat(300);
        for (int i = 0; i < 14; i++) {
            appendAll(store, message(body, TRANSIENT));
        }
        int segments = store.segmentCount();
        assertThat(segments).isGreaterThan(3);
        for (int i = 0; i < 10; i++) {
            store.settle(store.pollReady());
        }

        store.maintain();

        assertThat(store.pagedCount()).as("still paging").isPositive();
        assertThat(store.segmentCount()).isLessThan(segments);
    }

    @Test
    void deduplicationIdsAreJournaledOnlyForMessagesThatOutliveARestart() {
        DeduplicationSettings deduplication = QueueArguments.parse(Map.of("x-message-deduplication", true), "queue 'q'")
                .deduplication().orElseThrow();
        LogMessageStore store = LogMessageStore.open(dataDir.resolve("q"), CONFIG, flusher, files, Runnable::run,
                new PagingLimits(2, 1024 * 1024), "queue 'q'", 0, deduplication);
        stores.add(store);
        QueuedMessage a = message("a", PERSISTENT);
        QueuedMessage b = message("b", PERSISTENT);
        QueuedMessage pagedTransient = message("t", TRANSIENT);
        appendAll(store, a, b, pagedTransient);
        assertThat(pagedTransient.logOffset()).as("paged: it has a record").isEqualTo(2);

        long first = store.journalDeduplicationId(a, "id-a", 1_000);
        long second = store.journalDeduplicationId(b, "id-b", 1_000);
        assertThat(first).isNotEqualTo(DeduplicationWindow.NOT_JOURNALED);
        assertThat(second).isGreaterThan(first);
        assertThat(store.journalDeduplicationId(pagedTransient, "id-t", 1_000))
                .isEqualTo(DeduplicationWindow.NOT_JOURNALED);

        store.close();
        assertThat(store.journalDeduplicationId(a, "id-a again", 2_000)).as("closed")
                .isEqualTo(DeduplicationWindow.NOT_JOURNALED);
    }
}
