package dev.ferry.store;

import static dev.ferry.store.StoreTestSupport.CHANNEL;
import static dev.ferry.store.StoreTestSupport.body;
import static dev.ferry.store.StoreTestSupport.crashCopy;
import static dev.ferry.store.StoreTestSupport.drain;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.SettleOutcome;

/**
 * The log-backed store under a real {@link MessageQueue} run inline (direct executor). A crash is
 * simulated by copying the queue's directory while the store is open and recovering the copy:
 * exactly the files a SIGKILL would leave.
 */
class LogMessageStoreTest {
    private static final MessageProperties PERSISTENT = new MessageProperties("text/plain", null,
            Map.of("id", 7, "nested", Map.of("b", true)), 2, -1, "corr", null, null, "m-1", 1_700_000_000L, null,
            null, "app", null);
    private static final MessageProperties TRANSIENT = new MessageProperties(null, null, null, 1, -1, null, null,
            null, null, null, null, null, null, null);

    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final List<MessageQueue> open = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        for (MessageQueue queue : open) {
            queue.closeStore().join();
        }
        flusher.close();
    }

    private MessageQueue openQueue(Path directory, int segmentBytes) {
        return openQueue(directory, segmentBytes, Runnable::run);
    }

    private MessageQueue openQueue(Path directory, int segmentBytes, Executor checkpointWriter) {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(segmentBytes)
                .batchBytesMax(segmentBytes).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.open(directory, config, flusher, checkpointWriter,
                PagingLimits.DEFAULTS, "queue 'q'");
        QueueSettings settings = new QueueSettings("/", "q", true, OptionalLong.empty(), false, QueueArguments.NONE);
        MessageQueue queue = new MessageQueue(settings, store, Runnable::run, q -> { });
        open.add(queue);
        return queue;
    }

    private static Message message(String body, MessageProperties properties) {
        return new Message("ex", "rk." + body, properties, body.getBytes(StandardCharsets.UTF_8));
    }

    private static PublishConfirm publish(MessageQueue queue, String body, MessageProperties properties) {
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(message(body, properties), confirm);
        return confirm;
    }

    private static Delivery get(MessageQueue queue) {
        return queue.get(CHANNEL, false).join().delivery().orElseThrow();
    }

    @Test
    void confirmsFollowTheFsyncAndRecoveryBringsBackUnsettledPersistentMessages() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, 1024 * 1024);
        List<PublishConfirm> confirms = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            confirms.add(publish(queue, "p" + i, PERSISTENT));
        }
        publish(queue, "t0", TRANSIENT);
        for (PublishConfirm confirm : confirms) {
            confirm.accepted().get(5, TimeUnit.SECONDS);
        }
        Delivery first = get(queue);   // p0: acked
        Delivery second = get(queue);  // p1: delivered, never acked
        Delivery third = get(queue);   // p2: acked out of order later
        queue.settle(CHANNEL, new long[] {first.deliveryId(), third.deliveryId()}, SettleOutcome.ACK);
        assertThat(body(second)).isEqualTo("p1");
        queue.maintainStore();

        MessageQueue recovered = openQueue(crashCopy(directory, dataDir), 1024 * 1024);
        List<Boolean> redelivered = new ArrayList<>();
        assertThat(drain(recovered, redelivered)).containsExactly("p1", "p3", "p4", "p5");
        // After a crash every unsettled message may have been delivered in the last interval.
        assertThat(redelivered).containsExactly(true, true, true, true);
    }

    @Test
    void aStoreThatKeepsTransientMessagesRecoversThemWithTheirDeliveryMode() throws Exception {
        // A quorum queue's store: transient messages are written, confirmed after the fsync and
        // recovered like persistent ones, and still read as transient.
        Path directory = dataDir.resolve("q");
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.open(directory, config, flusher, Runnable::run, PagingLimits.DEFAULTS,
                "queue 'q'");
        store.keepTransientMessages();
        MessageQueue queue = new MessageQueue(new QueueSettings("/", "q", true, OptionalLong.empty(), false,
                QueueArguments.NONE), store, Runnable::run, q -> { });
        open.add(queue);
        publish(queue, "t0", TRANSIENT).accepted().get(5, TimeUnit.SECONDS);
        publish(queue, "p1", PERSISTENT).accepted().get(5, TimeUnit.SECONDS);
        publish(queue, "t2", TRANSIENT).accepted().get(5, TimeUnit.SECONDS);

        MessageQueue recovered = openQueue(crashCopy(directory, dataDir), 1024 * 1024);
        Delivery first = get(recovered);
        assertThat(body(first)).isEqualTo("t0");
        assertThat(first.message().properties()).isEqualTo(TRANSIENT);
        assertThat(drain(recovered, new ArrayList<>())).containsExactly("p1", "t2");
    }

    @Test
    void recoveredMessagesKeepTheirRoutingAndProperties() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, 1024 * 1024);
        publish(queue, "x", PERSISTENT).accepted().get(5, TimeUnit.SECONDS);
        MessageQueue recovered = openQueue(crashCopy(directory, dataDir), 1024 * 1024);
        Message back = get(recovered).message();
        assertThat(back.exchange()).isEqualTo("ex");
        assertThat(back.routingKey()).isEqualTo("rk.x");
        assertThat(back.properties()).isEqualTo(PERSISTENT);
    }

    @Test
    void acksAfterTheLastCheckpointAreRedeliveredAfterACrashButNotAfterACleanClose() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, 1024 * 1024);
        for (int i = 0; i < 4; i++) {
            publish(queue, "p" + i, PERSISTENT).accepted().get(5, TimeUnit.SECONDS);
        }
        queue.settle(CHANNEL, get(queue).deliveryId(), SettleOutcome.ACK);
        Delivery p1 = get(queue);
        queue.maintainStore();                                 // p0 acked and p1 delivered, checkpointed
        queue.settle(CHANNEL, p1.deliveryId(), SettleOutcome.ACK); // p1 acked, not checkpointed
        get(queue);                                            // p2 delivered, not checkpointed
        List<Boolean> flags = new ArrayList<>();
        assertThat(drain(openQueue(crashCopy(directory, dataDir), 1024 * 1024), flags)).containsExactly("p1", "p2", "p3");
        // p2's delivery came after the last checkpoint, so a crash cannot tell which were
        // delivered: all come back flagged.
        assertThat(flags).containsExactly(true, true, true);

        queue.closeStore().join();
        open.remove(queue);
        flags.clear();
        assertThat(drain(openQueue(directory, 1024 * 1024), flags)).containsExactly("p2", "p3");
        // After a clean close the flags are exact.
        assertThat(flags).containsExactly(true, false);
    }

    @Test
    void aSnapshotStillQueuedAtACleanCloseIsNotWrittenOverTheFinalCheckpoint() throws Exception {
        Path directory = dataDir.resolve("q");
        List<Runnable> checkpointWrites = new ArrayList<>();
        // The checkpoint writer runs the snapshots handed to it only when the test says so.
        MessageQueue queue = openQueue(directory, 1024 * 1024, checkpointWrites::add);
        for (int i = 0; i < 3; i++) {
            publish(queue, "p" + i, PERSISTENT).accepted().get(5, TimeUnit.SECONDS);
        }
        queue.settle(CHANNEL, get(queue).deliveryId(), SettleOutcome.ACK);
        queue.maintainStore(); // a snapshot with p0 acked, held
        queue.settle(CHANNEL, get(queue).deliveryId(), SettleOutcome.ACK);
        queue.closeStore().join(); // the final checkpoint: p0 and p1 acked, a clean close
        open.remove(queue);
        assertThat(checkpointWrites).hasSize(1);
        checkpointWrites.forEach(Runnable::run); // the writer gets to the old snapshot only now

        List<Boolean> flags = new ArrayList<>();
        assertThat(drain(openQueue(directory, 1024 * 1024), flags)).containsExactly("p2");
        assertThat(flags).containsExactly(false);
    }

    @Test
    void aSnapshotStillQueuedWhenTheQueueIsDeletedWritesNothing() throws Exception {
        Path directory = dataDir.resolve("q");
        List<Runnable> checkpointWrites = new ArrayList<>();
        MessageQueue queue = openQueue(directory, 1024 * 1024, checkpointWrites::add);
        publish(queue, "p0", PERSISTENT).accepted().get(5, TimeUnit.SECONDS);
        queue.settle(CHANNEL, get(queue).deliveryId(), SettleOutcome.ACK);
        queue.maintainStore();
        queue.delete(false, false).join();
        open.remove(queue);
        assertThat(directory).doesNotExist();
        try (LogCapture warnings = new LogCapture(LogMessageStore.class)) {
            checkpointWrites.forEach(Runnable::run);
            assertThat(warnings.lines(Level.WARN)).isEmpty();
        }
        assertThat(directory).doesNotExist();
    }

    @Test
    void aStartAfterACleanCloseThatIsKilledIsRecoveredAsACrash() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, 1024 * 1024);
        for (int i = 0; i < 3; i++) {
            publish(queue, "p" + i, PERSISTENT).accepted().get(5, TimeUnit.SECONDS);
        }
        get(queue); // p0 delivered, never acked
        queue.closeStore().join();
        open.remove(queue);

        MessageQueue reopened = openQueue(directory, 1024 * 1024);
        Delivery p0 = get(reopened);
        assertThat(p0.redelivered()).as("a clean close knows p0 was delivered").isTrue();
        Delivery p1 = get(reopened);
        assertThat(p1.redelivered()).as("and that p1 was not").isFalse();
        // Killed now, before any checkpoint: p1's delivery is unknown on disk, so the next start
        // must not trust the clean close's flags any more.
        List<Boolean> flags = new ArrayList<>();
        assertThat(drain(openQueue(crashCopy(directory, dataDir), 1024 * 1024), flags)).containsExactly("p0", "p1", "p2");
        assertThat(flags).containsExactly(true, true, true);
    }

    @Test
    void aCleanCloseIsNotTrustedAfterAKillEvenWhenTheNewestCheckpointIsDamaged() throws Exception {
        // The start after a clean close replaces both checkpoint files: the previous one, read when
        // the current one is damaged, must not claim the clean close either.
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, 1024 * 1024);
        for (int i = 0; i < 2; i++) {
            publish(queue, "p" + i, PERSISTENT).accepted().get(5, TimeUnit.SECONDS);
        }
        queue.closeStore().join();
        open.remove(queue);

        MessageQueue reopened = openQueue(directory, 1024 * 1024);
        assertThat(get(reopened).redelivered()).isFalse();
        Path killed = crashCopy(directory, dataDir);
        Path current = killed.resolve(AckCheckpoint.FILE_NAME);
        byte[] bytes = Files.readAllBytes(current);
        bytes[bytes.length - 1] ^= 1;
        Files.write(current, bytes);

        List<Boolean> flags = new ArrayList<>();
        assertThat(drain(openQueue(killed, 1024 * 1024), flags)).containsExactly("p0", "p1");
        assertThat(flags).as("p0 may have been delivered before the kill").containsExactly(true, true);
    }

    @Test
    void aPublishTakenInTheSameDrainAsTheDeletionIsConfirmedAndItsFilesGo() {
        Path directory = dataDir.resolve("q");
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.open(directory, config, flusher, Runnable::run, PagingLimits.DEFAULTS,
                "queue 'q'");
        List<Runnable> ownerWork = new ArrayList<>();
        QueueSettings settings = new QueueSettings("/", "q", true, OptionalLong.empty(), false, QueueArguments.NONE);
        MessageQueue queue = new MessageQueue(settings, store, ownerWork::add, q -> { });

        PublishConfirm confirm = publish(queue, "last", PERSISTENT);
        var deletion = queue.delete(false, false);
        assertThat(confirm.accepted()).as("nothing ran on the owner yet").isNotDone();
        while (!ownerWork.isEmpty()) {
            ownerWork.remove(0).run(); // one drain takes both commands
        }

        assertThat(deletion.join()).isEqualTo(1);
        assertThat(confirm.accepted()).as("RabbitMQ confirms what a deleted queue had taken").isCompleted();
        assertThat(directory).doesNotExist();
    }

    @Test
    void aDrainLargerThanTheBatchLimitIsWrittenInSeveralAppendsWhateverPartOfTheRecordsIsLarge() throws Exception {
        // 8 KiB batches: each drain of 30 records of about 1 KiB must be cut into appends that fit,
        // whether the bytes are in the routing key (the record's key), the body (its value) or the
        // properties (its envelope header).
        String large = "x".repeat(1000);
        MessageProperties largeProperties = new MessageProperties(null, null, Map.of("h", large), 2, -1, null, null,
                null, null, null, null, null, null, null);
        List<Message> kinds = List.of(new Message("ex", large, PERSISTENT, new byte[1]),
                new Message("ex", "rk", PERSISTENT, large.getBytes(StandardCharsets.UTF_8)),
                new Message("ex", "rk", largeProperties, new byte[1]));
        for (int kind = 0; kind < kinds.size(); kind++) {
            Path directory = dataDir.resolve("q" + kind);
            LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(64 * 1024)
                    .batchBytesMax(8 * 1024).segmentDeleteDelayMs(0);
            LogMessageStore store = LogMessageStore.open(directory, config, flusher, Runnable::run,
                    PagingLimits.DEFAULTS, "queue 'q'");
            List<Runnable> ownerWork = new ArrayList<>();
            QueueSettings settings = new QueueSettings("/", "q", true, OptionalLong.empty(), false, QueueArguments.NONE);
            MessageQueue queue = new MessageQueue(settings, store, ownerWork::add, q -> { });
            List<PublishConfirm> confirms = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                PublishConfirm confirm = new PublishConfirm(1);
                queue.enqueue(kinds.get(kind), confirm);
                confirms.add(confirm);
            }
            while (!ownerWork.isEmpty()) {
                ownerWork.remove(0).run(); // one drain takes every publish
            }
            for (PublishConfirm confirm : confirms) {
                confirm.accepted().get(5, TimeUnit.SECONDS); // a batch the log refused fails it
            }
            assertThat(store.logEndOffset()).isEqualTo(30);
            store.close();
        }
    }

    @Test
    void aStuckHeadWithThousandsOfAcksBehindItCheckpointsInAFewBytes() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, 1024 * 1024);
        List<PublishConfirm> confirms = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            confirms.add(publish(queue, "p" + i, PERSISTENT));
        }
        for (PublishConfirm confirm : confirms) {
            confirm.accepted().get(5, TimeUnit.SECONDS);
        }
        get(queue); // p0: delivered, never settled
        assertThat(drain(queue, new ArrayList<>())).hasSize(4999);
        queue.maintainStore();
        assertThat(Files.size(directory.resolve(AckCheckpoint.FILE_NAME))).as("one run, not 4999 offsets").isEqualTo(48);
    }

    @Test
    void aDrainedQueueDeletesItsSettledSegments() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, 2048);
        List<PublishConfirm> confirms = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            confirms.add(publish(queue, "message-" + i + "-" + "x".repeat(100), PERSISTENT));
        }
        for (PublishConfirm confirm : confirms) {
            confirm.accepted().get(5, TimeUnit.SECONDS);
        }
        long segmentsBefore = segmentFiles(directory);
        assertThat(segmentsBefore).isGreaterThan(5);
        assertThat(drain(queue, new ArrayList<>())).hasSize(200);
        queue.maintainStore(); // checkpoint written (inline writer)
        queue.maintainStore(); // segments below the checkpointed low-water mark deleted
        assertThat(segmentFiles(directory)).isEqualTo(1);
        // And a restart of the drained queue finds nothing.
        assertThat(drain(openQueue(crashCopy(directory, dataDir), 2048), new ArrayList<>())).isEmpty();
    }

    @Test
    void aPurgeSettlesAndADeletionRemovesTheFiles() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, 1024 * 1024);
        publish(queue, "a", PERSISTENT).accepted().get(5, TimeUnit.SECONDS);
        assertThat(queue.purge().join()).isEqualTo(1);
        queue.maintainStore();
        assertThat(drain(openQueue(crashCopy(directory, dataDir), 1024 * 1024), new ArrayList<>())).isEmpty();
        queue.delete(false, false).join();
        open.remove(queue);
        assertThat(directory).doesNotExist();
    }

    private static long segmentFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).count();
        }
    }

    @Test
    void returnCountsSurviveACrashAndLeaveWithTheirMessages() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, 1024 * 1024);
        publish(queue, "a", PERSISTENT).accepted().get(5, TimeUnit.SECONDS);
        publish(queue, "b", PERSISTENT).accepted().get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 2; i++) {
            Delivery delivery = get(queue);
            assertThat(body(delivery)).isEqualTo("a");
            queue.settle(CHANNEL, delivery.deliveryId(), SettleOutcome.REQUEUE);
        }
        queue.maintainStore(); // the checkpoint carries a's two returns

        Path copy = crashCopy(directory, dataDir);
        MessageQueue recovered = openQueue(copy, 1024 * 1024);
        Delivery again = get(recovered);
        assertThat(body(again)).isEqualTo("a");
        assertThat(again.redelivered()).isTrue();
        assertThat(again.message().properties().headers()).containsEntry("x-delivery-count", 2L);
        recovered.settle(CHANNEL, again.deliveryId(), SettleOutcome.ACK);
        Delivery b = get(recovered);
        recovered.settle(CHANNEL, b.deliveryId(), SettleOutcome.REQUEUE);
        recovered.closeStore().join();
        open.remove(recovered);

        // After a clean close: a is gone, b comes back with the one return it had since.
        MessageQueue reopened = openQueue(copy, 1024 * 1024);
        Delivery last = get(reopened);
        assertThat(body(last)).isEqualTo("b");
        assertThat(last.message().properties().headers()).containsEntry("x-delivery-count", 1L);
        assertThat(reopened.get(CHANNEL, true).join().isEmpty()).isTrue();
    }
}
