package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.SimulatedFileSystem;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueuedMessage;

/**
 * A deduplicating queue's settled segments go only once the ids of their records are durable in
 * the journal: the store takes a mark of both ends at one maintenance and moves the bound on at a
 * later one that finds the journal fsynced up to its mark. A manual flusher on the
 * {@link SimulatedFileSystem} decides when the journal becomes durable.
 */
class LogMessageStoreIdsDurableTest {
    private static final Path DIRECTORY = Path.of("/simulated/queues/%2F/q");
    private static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);

    private final SimulatedFileSystem fileSystem = new SimulatedFileSystem();
    private final LogFlusher flusher = LogFlusher.manual();
    private LogMessageStore store;
    private long nextSequence;
    private long clock = System.nanoTime();

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    private void open() {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(1024).batchBytesMax(1024)
                .segmentDeleteDelayMs(0);
        store = LogMessageStore.open(DIRECTORY, config, flusher,
                new FileHandleCache(FileHandleCache.CAPACITY_MIN, fileSystem), Runnable::run, PagingLimits.DEFAULTS,
                "queue 'q'", 0, QueueArguments.parse(Map.of("x-message-deduplication", true), "queue 'q'")
                        .deduplication().orElseThrow());
    }

    /** {@code count} messages, one drain each, their ids journaled as the queue does; fsynced, then delivered and acked. */
    private void publishAndAck(int count) {
        for (int i = 0; i < count; i++) {
            QueuedMessage message = new QueuedMessage(nextSequence, new Message("", "q", PERSISTENT,
                    "x".repeat(300).getBytes(StandardCharsets.UTF_8)));
            store.append(message, null);
            store.endOfDrain();
            store.journalDeduplicationId(message, "id-" + nextSequence, 1_000);
            nextSequence++;
        }
        store.endOfDrain(); // writes the journal (not fsynced)
        flusher.doWork(0); // the log's records durable
        for (int i = 0; i < count; i++) {
            store.settle(store.pollReady());
        }
    }

    /** The journal's interval fsync comes due (the log's own fsyncs are requested per append). */
    private void journalIntervalPasses() {
        clock += 3_600_000_000_000L;
        flusher.doWork(clock);
    }

    @Test
    void settledSegmentsGoOnlyUpToTheRecordsWhoseIdsTheJournalHoldsDurably() {
        open();
        publishAndAck(6);
        long end = store.logEndOffset();

        store.maintain(); // marks taken: the journal is not fsynced yet
        assertThat(store.currentLog().logStartOffset()).as("ids not durable yet").isZero();
        store.maintain();
        assertThat(store.currentLog().logStartOffset()).as("still not").isZero();

        journalIntervalPasses(); // the journal fsynced up to its mark, exactly
        store.maintain();
        assertThat(store.currentLog().logStartOffset()).isEqualTo(end);

        publishAndAck(6);
        long secondEnd = store.logEndOffset();
        store.maintain(); // new marks
        journalIntervalPasses();
        store.maintain();
        assertThat(store.currentLog().logStartOffset()).isEqualTo(secondEnd);
    }
}
