package dev.ferry.store;

import static dev.ferry.store.StoreTestSupport.CHANNEL;
import static dev.ferry.store.StoreTestSupport.body;
import static dev.ferry.store.StoreTestSupport.crashCopy;
import static dev.ferry.store.StoreTestSupport.drain;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;

import dev.ferry.log.AppendResult;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogException;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.QueuedMessage;
import dev.ferry.queue.SettleOutcome;

/**
 * What the store does when an fsync fails: publishers nacked, waiting messages withdrawn, records
 * that reached the disk settled (they never come back after a restart), the log reopened, and,
 * when the reopened log is shorter, the lost offsets forgotten so that new records reusing them
 * are kept.
 *
 * <p>TEST DOUBLE: nothing real fails an fsync on demand (a full tmpfs fails the write, never the
 * fsync), so {@link FailingFsync} stands between the store and its real {@link Log}: every write is
 * the log's own, but the future of one chosen append fails as a failed fsync fails it, and the
 * double then refuses appends to that log until the store reopens it, as the log does after a
 * failed fsync. Every other store test runs on the log alone.
 */
class FailedFsyncTest {
    private static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);

    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final List<MessageQueue> open = new ArrayList<>();
    private final FailingFsync fsync = new FailingFsync();
    private final List<LogMessageStore> stores = new ArrayList<>();

    /** TEST DOUBLE (see the class comment): fails the fsync of the next append once armed. */
    private static final class FailingFsync implements LogMessageStore.LogAppender {
        private boolean armed;
        private Log refusing;
        private CompletableFuture<AppendResult> failing;

        @Override
        public CompletableFuture<AppendResult> append(Log log, List<SimpleRecord> records) {
            if (log == refusing) {
                throw new SimulatedFailure(log.name(), "refusing writes after a failed fsync");
            }
            CompletableFuture<AppendResult> written = log.append(records);
            if (!armed) {
                return written;
            }
            armed = false;
            refusing = log;
            failing = new CompletableFuture<>();
            return failing;
        }

        /** The fsync of the next append will fail when the test says so. */
        void armNextAppend() {
            armed = true;
        }

        /** The held fsync fails now (on the test thread, as it would on the flusher's). */
        void failNow() {
            failing.completeExceptionally(new SimulatedFailure("q", "fsync failed: Input/output error"));
        }
    }

    private static final class SimulatedFailure extends LogException {
        SimulatedFailure(String logName, String message) {
            super(logName, "log '" + logName + "': " + message + " (simulated)", null, false);
        }
    }

    @AfterEach
    void closeEverything() {
        for (MessageQueue queue : open) {
            queue.closeStore().handle((ok, error) -> null).join();
        }
        for (LogMessageStore store : stores) {
            try {
                store.close();
            } catch (RuntimeException e) {
                // a failed fsync may leave it unable to close cleanly
            }
        }
        flusher.close();
    }

    private MessageQueue openQueue(Path directory) {
        return openQueue(directory, Runnable::run);
    }

    private MessageQueue openQueue(Path directory, Executor checkpointWriter) {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(1024 * 1024)
                .batchBytesMax(1024 * 1024).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.open(directory, config, flusher, checkpointWriter,
                PagingLimits.DEFAULTS, "queue 'q'", fsync);
        QueueSettings settings = new QueueSettings("/", "q", true, OptionalLong.empty(), false, QueueArguments.NONE);
        MessageQueue queue = new MessageQueue(settings, store, Runnable::run, q -> { });
        open.add(queue);
        return queue;
    }

    private static PublishConfirm publish(MessageQueue queue, String body) {
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(new Message("", "q", PERSISTENT, body.getBytes(StandardCharsets.UTF_8)), confirm);
        return confirm;
    }

    private static void assertConfirmed(PublishConfirm confirm) {
        assertThat(confirm.accepted()).succeedsWithin(Duration.ofSeconds(5));
    }

    private static void assertNacked(PublishConfirm confirm) {
        assertThat(confirm.accepted()).failsWithin(Duration.ofSeconds(5));
    }

    private static Path activeSegment(Path directory) {
        return directory.resolve("00000000000000000000.log");
    }

    @Test
    void aFailedFsyncNacksWithdrawsAndSettlesItsMessagesAndTheReopenedLogTakesNewOnes() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory);
        assertConfirmed(publish(queue, "a"));
        assertConfirmed(publish(queue, "b"));

        fsync.armNextAppend();
        PublishConfirm lost = publish(queue, "c"); // written, its fsync held
        fsync.failNow();
        assertNacked(lost);
        PublishConfirm refused = publish(queue, "d"); // the log refuses until reopened
        assertNacked(refused);

        queue.maintainStore(); // reopens the log
        assertConfirmed(publish(queue, "e"));

        List<Boolean> redelivered = new ArrayList<>();
        Delivery first = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        assertThat(body(first)).isEqualTo("a");
        queue.settle(CHANNEL, first.deliveryId(), SettleOutcome.REQUEUE);
        assertThat(drain(queue, redelivered)).as("neither nacked message is delivered").containsExactly("a", "b", "e");
        assertConfirmed(publish(queue, "f"));
        queue.maintainStore();

        // c's record reached the disk: settled, it does not come back after a crash either.
        assertThat(drain(openQueue(crashCopy(directory, dataDir)), redelivered)).containsExactly("f");
    }

    @Test
    void aReopenedLogThatLostTheFailedRecordsGivesTheirOffsetsToNewMessages() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory);
        assertConfirmed(publish(queue, "a"));
        long sizeBeforeC = Files.size(activeSegment(directory));

        fsync.armNextAppend();
        PublishConfirm lost = publish(queue, "c");
        Delivery a = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        assertThat(body(a)).isEqualTo("a");
        Delivery c = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        assertThat(body(c)).as("written, so it may be delivered before its fsync").isEqualTo("c");
        fsync.failNow();
        assertNacked(lost);
        // What the failed fsync leaves: c's batch never reached the disk.
        try (FileChannel segment = FileChannel.open(activeSegment(directory), StandardOpenOption.WRITE)) {
            segment.truncate(sizeBeforeC);
        }

        queue.maintainStore(); // the reopened log ends where c began: c's offset is free again
        PublishConfirm reuse = publish(queue, "d");
        assertConfirmed(reuse);
        // The consumer acks c late: that must not settle d, which now has c's offset.
        queue.settle(CHANNEL, new long[] {a.deliveryId(), c.deliveryId()}, SettleOutcome.ACK);
        queue.maintainStore();

        List<Boolean> redelivered = new ArrayList<>();
        assertThat(drain(openQueue(crashCopy(directory, dataDir)), redelivered)).containsExactly("d");
        assertThat(drain(queue, redelivered)).containsExactly("d");
    }

    @Test
    void aCheckpointWrittenBeforeTheReopenNeverSettlesAReusedOffset() throws IOException {
        Path directory = dataDir.resolve("q");
        // Checkpoint writes wait until the test runs them, as on a busy maintenance thread.
        List<Runnable> checkpointWrites = new ArrayList<>();
        MessageQueue queue = openQueue(directory, checkpointWrites::add);
        assertConfirmed(publish(queue, "a"));
        long sizeBeforeB = Files.size(activeSegment(directory));
        fsync.armNextAppend();
        PublishConfirm lost = publish(queue, "b");
        Delivery a = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        Delivery b = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        queue.settle(CHANNEL, new long[] {a.deliveryId(), b.deliveryId()}, SettleOutcome.ACK);
        queue.maintainStore();
        checkpointWrites.forEach(Runnable::run); // on disk: a and b settled, low-water mark 2
        checkpointWrites.clear();
        fsync.failNow();
        assertNacked(lost);
        try (FileChannel segment = FileChannel.open(activeSegment(directory), StandardOpenOption.WRITE)) {
            segment.truncate(sizeBeforeB);
        }
        queue.maintainStore(); // reopened at offset 1: the checkpoint on disk must say so at once
        assertConfirmed(publish(queue, "c")); // offset 1 again

        // A crash now, before the maintenance thread wrote anything: the checkpoint on disk must
        // not settle c.
        assertThat(drain(openQueue(crashCopy(directory, dataDir)), new ArrayList<>())).containsExactly("c");
    }

    // ---- on the store itself (no queue): what the owner sees of a failed fsync at its next step

    private LogMessageStore openStore(Path directory, PagingLimits limits) {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(64 * 1024 * 1024)
                .batchBytesMax(4 * MessageBody.DIRECT_FROM_BYTES).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.open(directory, config, flusher, Runnable::run, limits, "queue 'q'",
                fsync);
        stores.add(store);
        return store;
    }

    private long nextSequence;

    private QueuedMessage small(String body) {
        return new QueuedMessage(nextSequence++, new Message("", "q", PERSISTENT, body.getBytes(StandardCharsets.UTF_8)));
    }

    /** A message with an off-heap body of which the test keeps a reference of its own. */
    private QueuedMessage large() {
        MessageBody body = MessageBody.allocate(MessageBody.DIRECT_FROM_BYTES);
        assertThat(body.isDirect()).isTrue();
        body.retain();
        return new QueuedMessage(nextSequence++, new Message("", "q", PERSISTENT, body));
    }

    @Test
    void theNextDrainAfterAFailedFsyncTakesItsMessagesOutOfMemoryAndOutOfThePagedRange() {
        LogMessageStore store = openStore(dataDir.resolve("q"), new PagingLimits(2, 1024 * 1024));
        List<QueuedMessage> evicted = new ArrayList<>();
        store.setEvictedListener(evicted::add);
        QueuedMessage a = small("a");
        QueuedMessage b = small("b");
        fsync.armNextAppend();
        store.append(a, null);
        store.append(b, null);
        store.append(small("c"), null); // paged
        store.endOfDrain();
        assertThat(store.readyCount()).isEqualTo(3);
        fsync.failNow();
        try (LogCapture lines = new LogCapture(LogMessageStore.class)) {
            store.endOfDrain();
            assertThat(lines.lines(Level.ERROR)).containsExactly("queue 'q': the fsync of 3 messages at offsets 0..2 "
                    + "failed; their publishers were nacked, 3 of them left the queue before delivery");
        }
        assertThat(store.readyCount()).isZero();
        assertThat(evicted).containsExactly(a, b);
    }

    @Test
    void aMessageWhoseFsyncFailedIsNotHandedOutByTheNextTake() {
        LogMessageStore store = openStore(dataDir.resolve("q"), PagingLimits.DEFAULTS);
        fsync.armNextAppend();
        store.append(small("a"), null);
        store.endOfDrain();
        fsync.failNow();
        assertThat(store.pollReady()).isNull();
    }

    @Test
    void aMessageWhoseFsyncFailedGivesItsBodyBack() {
        LogMessageStore store = openStore(dataDir.resolve("q"), PagingLimits.DEFAULTS);
        QueuedMessage a = large();
        fsync.armNextAppend();
        store.append(a, null);
        store.endOfDrain();
        fsync.failNow();
        store.endOfDrain();
        assertThat(a.message().messageBody().references()).as("the store's reference given back").isEqualTo(1);
    }

    @Test
    void aCopyReadBackBeforeItsFsyncFailedLeavesUnseenWhenItReachesTheHead() {
        LogMessageStore store = openStore(dataDir.resolve("q"), new PagingLimits(2, 64L * 1024 * 1024));
        List<QueuedMessage> pagedIn = new ArrayList<>();
        store.setPagedInListener(message -> {
            message.message().messageBody().retain(); // the test's own reference
            pagedIn.add(message);
        });
        List<QueuedMessage> evicted = new ArrayList<>();
        store.setEvictedListener(evicted::add);
        store.append(small("a"), null);
        store.append(small("b"), null);
        store.endOfDrain();
        fsync.armNextAppend();
        store.append(large(), null); // paged, its fsync held
        store.endOfDrain();
        assertThat(store.pollReady().sequence()).isEqualTo(0);
        assertThat(store.pollReady().sequence()).isEqualTo(1);
        assertThat(pagedIn).hasSize(1); // read back as a new object
        QueuedMessage copy = pagedIn.get(0);
        assertThat(copy.message().messageBody().isDirect()).isTrue();
        fsync.failNow();

        assertThat(store.pollReady()).isNull();
        assertThat(evicted).containsExactly(copy);
        assertThat(copy.message().messageBody().references()).as("the store's reference given back").isEqualTo(1);
    }

    @Test
    void aReopenThatLosesNothingLeavesItsCheckpointToTheMaintenanceThread() throws IOException {
        Path directory = dataDir.resolve("q");
        List<AckCheckpoint> written = new ArrayList<>();
        List<Runnable> checkpointTasks = new ArrayList<>();
        LogMessageStore.StoreObserver observer = new LogMessageStore.StoreObserver() {
            @Override
            public void checkpointWritten(AckCheckpoint checkpoint) {
                written.add(checkpoint);
            }
        };
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(1024 * 1024)
                .batchBytesMax(1024 * 1024).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.open(directory, config, flusher,
                dev.ferry.log.FileHandleCache.processDefault(), checkpointTasks::add, PagingLimits.DEFAULTS, "queue 'q'",
                fsync, observer, 0);
        stores.add(store);
        store.append(small("a"), null);
        store.endOfDrain();
        long sizeBeforeB = Files.size(activeSegment(directory));
        fsync.armNextAppend();
        store.append(small("b"), null);
        store.endOfDrain();
        fsync.failNow();
        try (FileChannel segment = FileChannel.open(activeSegment(directory), StandardOpenOption.WRITE)) {
            segment.truncate(sizeBeforeB); // b's batch never reached the disk
        }
        store.maintain(); // reopened shorter: the checkpoint saying so written at once, on this thread
        assertThat(written).hasSize(2);
        assertThat(checkpointTasks).isEmpty();

        fsync.armNextAppend();
        store.append(small("c"), null);
        store.endOfDrain();
        fsync.failNow();
        store.maintain(); // reopened as long as before: c's record is on disk, settled

        assertThat(written).as("nothing written on the owner's thread").hasSize(2);
        assertThat(checkpointTasks).as("the settled c left to the maintenance thread").hasSize(1);
        checkpointTasks.forEach(Runnable::run);
        assertThat(written).hasSize(3);
        assertThat(written.get(2).lowWater()).as("a unsettled; c settled above it").isZero();
        assertThat(written.get(2).settled().count()).isEqualTo(1);
    }
}
