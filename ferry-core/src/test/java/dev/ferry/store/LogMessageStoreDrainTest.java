package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import dev.ferry.log.AppendResult;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueuedMessage;

/**
 * A drain's writes, driven on the store itself (no queue around it): what is written when, which
 * confirms are answered when, what a failed write takes back, what a deletion answers, and which
 * message bodies the store gives back. Real logs in a temporary directory; a write is failed only
 * by {@link RefusingAppender}, which throws instead of writing, as a full disk makes the log throw.
 */
class LogMessageStoreDrainTest {
    private static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);
    private static final int LARGE = MessageBody.DIRECT_FROM_BYTES;
    private static final int BATCH_HEADER_BYTES = 61;

    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final List<LogMessageStore> stores = new ArrayList<>();
    private final RefusingAppender appender = new RefusingAppender();
    private long nextSequence;

    /** TEST DOUBLE: the real log's append, or, while refusing, a throw as from a full disk (nothing written). */
    private static final class RefusingAppender implements LogMessageStore.LogAppender {
        private boolean refusing;

        @Override
        public CompletableFuture<AppendResult> append(Log log, List<SimpleRecord> records) {
            if (refusing) {
                throw new IllegalStateException("no space left on device (simulated)");
            }
            return log.append(records);
        }
    }

    @AfterEach
    void closeEverything() {
        for (LogMessageStore store : stores) {
            store.close();
        }
        flusher.close();
    }

    private LogMessageStore open(PagingLimits limits) {
        return open(limits, 64 * 1024);
    }

    private LogMessageStore open(PagingLimits limits, int batchBytes) {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.NEVER).segmentBytesMax(64 * 1024 * 1024)
                .batchBytesMax(batchBytes).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.open(dataDir.resolve("q" + stores.size()), config, flusher,
                Runnable::run, limits, "queue 'q'", appender);
        stores.add(store);
        return store;
    }

    private QueuedMessage message(String body) {
        return new QueuedMessage(nextSequence++, new Message("ex", "rk", PERSISTENT,
                body.getBytes(StandardCharsets.UTF_8)));
    }

    /** A message with an off-heap body of which the test keeps a reference of its own. */
    private QueuedMessage large(long expiresAt) {
        MessageBody body = MessageBody.allocate(LARGE);
        assertThat(body.isDirect()).isTrue();
        body.retain();
        Message content = new Message("ex", "rk", PERSISTENT, body);
        return QueuedMessage.recovered(nextSequence++, content, QueuedMessage.NOT_IN_LOG, expiresAt, false, 0);
    }

    private static int references(QueuedMessage message) {
        return message.message().messageBody().references();
    }

    private static String text(QueuedMessage message) {
        return new String(message.message().body(), StandardCharsets.UTF_8);
    }

    @Test
    void aFailedWriteIsReportedOnceUntilWritesSucceedAgainWithWhatItCost() {
        LogMessageStore store = open(PagingLimits.DEFAULTS);
        try (LogCapture lines = new LogCapture(LogMessageStore.class)) {
            appender.refusing = true;
            store.append(message("a"), null);
            store.endOfDrain();
            store.endOfDrain(); // a drain that wrote nothing is no success
            store.append(message("b"), null);
            store.append(message("c"), null);
            store.endOfDrain();
            appender.refusing = false;
            store.append(message("d"), null);
            store.endOfDrain();
            store.append(message("e"), null);
            store.endOfDrain();

            assertThat(lines.lines(Level.ERROR)).filteredOn(line -> line.contains("failed, their publishers are nacked"))
                    .hasSize(1);
            assertThat(lines.lines(Level.INFO)).filteredOn(line -> line.contains("writes succeed again"))
                    .containsExactly("queue 'q': writes succeed again after 2 failed appends (3 messages nacked)");

            appender.refusing = true;
            store.append(message("f"), null);
            store.endOfDrain();
            assertThat(lines.lines(Level.ERROR)).as("a new spell of trouble is reported again")
                    .filteredOn(line -> line.contains("failed, their publishers are nacked")).hasSize(2);
        }
        assertThat(store.logEndOffset()).isEqualTo(2);
    }

    @Test
    void aDuplicateIsConfirmedOnlyOnceTheDrainItArrivedInIsWritten() {
        LogMessageStore store = open(PagingLimits.DEFAULTS);
        PublishConfirm beforeAnyWrite = new PublishConfirm(1);
        store.confirmDuplicate(beforeAnyWrite);
        assertThat(beforeAnyWrite.accepted()).as("nothing written yet, nothing to wait for").isCompleted();

        store.append(message("a"), null);
        PublishConfirm duplicate = new PublishConfirm(1);
        store.confirmDuplicate(duplicate);
        assertThat(duplicate.accepted()).as("its original may be in this drain").isNotDone();
        store.endOfDrain();
        assertThat(duplicate.accepted()).isCompleted();

        // Answered once only: a publish routed to two queues waits for the other one as well.
        PublishConfirm twoQueues = new PublishConfirm(2);
        store.append(message("b"), null);
        store.confirmDuplicate(twoQueues);
        store.endOfDrain();
        store.append(message("c"), null);
        store.endOfDrain();
        assertThat(twoQueues.accepted()).isNotDone();
    }

    @Test
    void aDuplicateIsNackedWithTheDrainWhoseWriteFailed() {
        LogMessageStore store = open(PagingLimits.DEFAULTS);
        PublishConfirm original = new PublishConfirm(1);
        store.append(message("a"), original);
        PublishConfirm duplicate = new PublishConfirm(1);
        store.confirmDuplicate(duplicate);
        appender.refusing = true;
        store.endOfDrain();
        assertThat(original.accepted()).isCompletedExceptionally();
        assertThat(duplicate.accepted()).isCompletedExceptionally();
        assertThat(store.readyCount()).isZero();
    }

    @Test
    void aClosedStoreConfirmsADuplicateAtOnce() {
        LogMessageStore store = open(PagingLimits.DEFAULTS);
        store.close();
        PublishConfirm duplicate = new PublishConfirm(1);
        store.confirmDuplicate(duplicate);
        assertThat(duplicate.accepted()).isCompleted();
    }

    @Test
    void aDeletionAcceptsWhatTheDrainTookAndWritesNothingAfterIt() {
        LogMessageStore store = open(PagingLimits.DEFAULTS);
        PublishConfirm first = new PublishConfirm(1);
        store.append(message("a"), first);
        store.append(message("b"), null);
        PublishConfirm duplicate = new PublishConfirm(1);
        store.confirmDuplicate(duplicate);
        store.deleted();
        assertThat(first.accepted()).isCompleted();
        assertThat(duplicate.accepted()).isCompleted();
        assertThat(store.directory()).doesNotExist();
        try (LogCapture lines = new LogCapture(LogMessageStore.class)) {
            store.endOfDrain();
            assertThat(lines.lines(Level.ERROR)).isEmpty();
        }
    }

    @Test
    void aStoreClosedBeforeItsQueueIsDeletedKeepsItsFiles() {
        LogMessageStore store = open(PagingLimits.DEFAULTS);
        store.append(message("a"), null);
        store.close();
        store.deleted();
        assertThat(store.directory().resolve("00000000000000000000.log")).exists();
    }

    @Test
    void aReadyMessageTakenInTheDrainThatStoredItIsWrittenBeforeItIsHandedOut() {
        LogMessageStore store = open(PagingLimits.DEFAULTS);
        store.append(message("a"), null);
        QueuedMessage taken = store.pollReady();
        assertThat(text(taken)).isEqualTo("a");
        assertThat(store.logEndOffset()).isEqualTo(1);
    }

    @Test
    void aDrainsRecordsGoToTheLogInOneBatch() {
        LogMessageStore store = open(PagingLimits.DEFAULTS);
        store.append(message("a"), null);
        store.endOfDrain();
        long oneRecordBatch = store.currentLog().sizeInBytes();
        for (int i = 0; i < 20; i++) {
            store.append(message("a"), null);
        }
        store.endOfDrain();
        long twentyRecords = store.currentLog().sizeInBytes() - oneRecordBatch;
        // Twenty one-record batches would take twenty times its size: one batch saves 19 headers of 61 bytes.
        assertThat(twentyRecords).isLessThan(20 * oneRecordBatch - 10 * BATCH_HEADER_BYTES);
        assertThat(store.logEndOffset()).isEqualTo(21);
    }

    @Test
    void pagedMessagesComeBackWhenMemoryHasDrainedToHalfAndNotBefore() {
        LogMessageStore store = open(new PagingLimits(4, 1024 * 1024));
        for (int i = 0; i < 10; i++) {
            store.append(message("m" + i), null);
        }
        store.endOfDrain();
        assertThat(store.pagedCount()).isEqualTo(6);
        List<String> taken = new ArrayList<>();
        taken.add(text(store.pollReady()));
        assertThat(store.pagedCount()).as("memory at three of four").isEqualTo(6);
        taken.add(text(store.pollReady()));
        assertThat(store.pagedCount()).isEqualTo(6);
        assertThat(store.isBackedUp(false)).as("memory at half, but paging").isTrue();
        taken.add(text(store.pollReady())); // memory at half: read back up to the limit first
        assertThat(store.pagedCount()).isEqualTo(4);
        QueuedMessage next;
        while ((next = store.pollReady()) != null) {
            taken.add(text(next));
        }
        assertThat(taken).containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
    }

    @Test
    void pagedMessagesStillInTheDrainAreWrittenBeforeTheyAreReadBack() {
        LogMessageStore store = open(new PagingLimits(2, 1024 * 1024));
        store.append(message("a"), null);
        store.append(message("b"), null);
        store.endOfDrain();
        store.append(message("c"), null); // paged, not written yet
        store.append(message("d"), null);
        List<String> taken = new ArrayList<>();
        QueuedMessage next;
        while ((next = store.pollReady()) != null) {
            taken.add(text(next));
        }
        assertThat(taken).containsExactly("a", "b", "c", "d");
    }

    @Test
    void aPriorityLevelReadBackUpToTheLimitLeavesTheLowerLevelsPaged() {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.NEVER).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.open(dataDir.resolve("p"), config, flusher,
                dev.ferry.log.FileHandleCache.processDefault(), Runnable::run, new PagingLimits(4, 1024 * 1024),
                "queue 'p'", appender, LogMessageStore.StoreObserver.NONE, 2);
        stores.add(store);
        for (int i = 0; i < 7; i++) {
            store.append(withPriority("high" + i, 2), null); // four in memory, three paged
        }
        for (int i = 0; i < 3; i++) {
            store.append(withPriority("low" + i, 1), null); // paged
        }
        store.endOfDrain();
        assertThat(store.pagedCount()).isEqualTo(6);
        store.pollReady();
        store.pollReady();
        store.pollReady(); // memory at half: level 2 is read back until memory is full again
        assertThat(store.pagedCount()).as("one high left paged, and every low").isEqualTo(4);
        List<String> taken = new ArrayList<>();
        QueuedMessage next;
        while ((next = store.pollReady()) != null) {
            taken.add(text(next));
        }
        assertThat(taken).containsExactly("high3", "high4", "high5", "high6", "low0", "low1", "low2");
    }

    private QueuedMessage withPriority(String body, int priority) {
        MessageProperties properties = new MessageProperties(null, null, null, 2, priority, null, null, null, null,
                null, null, null, null, null);
        return new QueuedMessage(nextSequence++, new Message("ex", "rk", properties,
                body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aPagedMessagesBodyGoesBackOnceWrittenWithAnExpiryToo() {
        LogMessageStore store = open(new PagingLimits(2, 64L * 1024 * 1024), 4 * LARGE);
        store.append(message("a"), null);
        store.append(message("b"), null);
        store.endOfDrain();
        List<QueuedMessage> paged = List.of(large(Long.MAX_VALUE), large(Long.MAX_VALUE), large(Long.MAX_VALUE));
        QueuedMessage expiring = large(System.currentTimeMillis() + Duration.ofHours(1).toMillis());
        paged.forEach(message -> store.append(message, null));
        store.append(expiring, null);
        store.endOfDrain(); // one append per large record
        assertThat(store.pagedCount()).isEqualTo(4);
        assertThat(paged).as("the store's references given back, the test's kept")
                .allSatisfy(message -> assertThat(references(message)).isEqualTo(1));
        assertThat(references(expiring)).as("the queue's expiry index keeps it as a key only").isEqualTo(1);
    }

    @Test
    void aFailedWriteTakesItsMessagesBackAndGivesTheirBodiesBack() {
        LogMessageStore store = open(new PagingLimits(2, 64L * 1024 * 1024), 4 * LARGE);
        List<QueuedMessage> evicted = new ArrayList<>();
        store.setEvictedListener(evicted::add);
        QueuedMessage inMemory = large(Long.MAX_VALUE);
        QueuedMessage alsoInMemory = large(Long.MAX_VALUE);
        QueuedMessage paged = large(Long.MAX_VALUE);
        store.append(inMemory, null);
        store.append(alsoInMemory, null);
        store.append(paged, null);
        appender.refusing = true;
        store.endOfDrain();
        assertThat(store.readyCount()).isZero();
        assertThat(evicted).containsExactly(alsoInMemory, inMemory);
        assertThat(List.of(inMemory, alsoInMemory, paged)).allSatisfy(message -> assertThat(references(message))
                .as("the store's reference given back").isEqualTo(1));
    }

    @Test
    void aMessageKeptInMemoryKeepsItsBodyWhereAnEarlierDrainPagedOne() {
        LogMessageStore store = open(new PagingLimits(2, 64L * 1024 * 1024), 4 * LARGE);
        store.append(message("a"), null);
        store.append(message("b"), null);
        store.endOfDrain();
        store.append(message("c"), null); // paged: the first of its drain
        store.endOfDrain();
        for (int i = 0; i < 3; i++) {
            assertThat(store.pollReady()).isNotNull();
        }
        QueuedMessage inMemory = large(Long.MAX_VALUE); // the first of its drain too, in memory this time
        store.append(inMemory, null);
        store.endOfDrain();
        assertThat(store.pagedCount()).isZero();
        assertThat(references(inMemory)).isEqualTo(2);
    }

    @Test
    void aSpillLogNotOpenedYetHoldsNothingUnsettled() {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.NEVER).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.openTransient(dataDir.resolve("t"), config, flusher,
                new PagingLimits(2, 1024 * 1024), "queue 't'");
        stores.add(store);
        store.append(message("a"), null);
        assertThat(store.currentLog()).isNull();
        assertThat(store.unsettledInLog()).isZero();
    }
}
