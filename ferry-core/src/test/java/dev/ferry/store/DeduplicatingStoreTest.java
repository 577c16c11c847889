package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.SimulatedFileSystem;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.GetResult;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;

/**
 * A durable deduplicating queue on its real store: a duplicate's confirm waits for its original's
 * fsync (and fails with it); ids whose messages a crash took back are forgotten at open, for good,
 * so a resend of those messages is stored; ids the journal lost are read back from the queue's
 * records; journal segments go once their ids left the window.
 */
class DeduplicatingStoreTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);
    private static final QueueSettings SETTINGS = new QueueSettings("/", "q", true, OptionalLong.empty(), false,
            QueueArguments.parse(Map.of("x-message-deduplication", true), "queue 'q'"));
    private static final LogConfig CONFIG = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(64 * 1024)
            .batchBytesMax(16 * 1024).segmentDeleteDelayMs(0);

    @TempDir
    Path directory;
    private final List<MessageQueue> queues = new ArrayList<>();
    private LogMessageStore lastStore;

    @AfterEach
    void closeQueues() {
        for (MessageQueue queue : queues) {
            queue.closeStore().handle((ok, error) -> null).join();
        }
    }

    private MessageQueue openQueue(Path queueDirectory, LogFlusher flusher, FileHandleCache files) {
        LogMessageStore store = LogMessageStore.open(queueDirectory, CONFIG, flusher, files, Runnable::run,
                PagingLimits.DEFAULTS, "queue 'q'", 0, SETTINGS.arguments().deduplication().orElseThrow());
        lastStore = store;
        MessageQueue queue = new MessageQueue(SETTINGS, store, Runnable::run, q -> { });
        queues.add(queue);
        return queue;
    }

    private static PublishConfirm publish(MessageQueue queue, String id, String body) {
        MessageProperties properties = new MessageProperties(null, null, null, 2, -1, null, null, null, id, null, null,
                null, null, null);
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(new Message("", "q", properties, body.getBytes(StandardCharsets.UTF_8)), confirm);
        return confirm;
    }

    private static List<String> drain(MessageQueue queue) {
        List<String> bodies = new ArrayList<>();
        while (true) {
            GetResult result = queue.get(CHANNEL, true).join();
            if (result.isEmpty()) {
                return bodies;
            }
            bodies.add(new String(result.delivery().orElseThrow().message().body(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldNotConfirmADuplicateBeforeItsOriginalIsOnDisk() {
        LogFlusher flusher = LogFlusher.manual();
        MessageQueue queue = openQueue(Path.of("/simulated/q"), flusher,
                new FileHandleCache(FileHandleCache.CAPACITY_MIN, new SimulatedFileSystem()));

        PublishConfirm original = publish(queue, "x", "original");
        PublishConfirm duplicate = publish(queue, "x", "resent");

        assertThat(original.accepted()).isNotDone();
        assertThat(duplicate.accepted()).as("confirmed before the original's fsync").isNotDone();
        flusher.doWork(0);
        assertThat(original.accepted()).isCompleted();
        assertThat(duplicate.accepted()).isCompleted();
        assertThat(drain(queue)).containsExactly("original");
    }

    @Test
    void shouldNackADuplicateWhoseOriginalCouldNotBeMadeDurableAndStoreTheNextResend() {
        LogFlusher flusher = LogFlusher.manual();
        SimulatedFileSystem fileSystem = new SimulatedFileSystem();
        MessageQueue queue = openQueue(Path.of("/simulated/q"), flusher,
                new FileHandleCache(FileHandleCache.CAPACITY_MIN, fileSystem));
        PublishConfirm original = publish(queue, "x", "original");
        PublishConfirm duplicate = publish(queue, "x", "resent");

        fileSystem.failForces(1);
        flusher.doWork(0);
        fileSystem.failForces(0);

        assertThat(original.accepted()).isCompletedExceptionally();
        assertThat(duplicate.accepted()).isCompletedExceptionally();
        queue.maintainStore(); // reopens the log the failed fsync left refusing writes
        PublishConfirm again = publish(queue, "x", "resent after the nack");
        flusher.doWork(0);
        assertThat(again.accepted()).isCompleted();
        assertThat(again.accepted()).isNotCompletedExceptionally();
        assertThat(drain(queue)).containsExactly("resent after the nack");
    }

    @Test
    void shouldKeepTheQueuesSegmentsUntilTheJournalHoldsTheirIdsDurably() {
        LogFlusher flusher = LogFlusher.manual();
        MessageQueue queue = openQueue(Path.of("/simulated/q"), flusher,
                new FileHandleCache(FileHandleCache.CAPACITY_MIN, new SimulatedFileSystem()));
        String body = "x".repeat(2048);
        List<PublishConfirm> confirms = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            confirms.add(publish(queue, "id-" + i, body));
        }
        flusher.doWork(0); // the queue's log: confirms go out; the journal waits for its interval
        confirms.forEach(confirm -> assertThat(confirm.accepted()).isCompleted());
        assertThat(drain(queue)).hasSize(100);
        int segments = lastStore.segmentCount();
        assertThat(segments).isGreaterThanOrEqualTo(3);

        for (int i = 0; i < 3; i++) {
            queue.maintainStore(); // checkpoints the acks; the journal is not durable yet
        }
        assertThat(lastStore.segmentCount()).as("segments whose ids only they hold durably").isEqualTo(segments);

        flusher.doWork(System.nanoTime() + 60_000_000_000L); // the journal's interval fsync
        queue.maintainStore();
        queue.maintainStore();
        assertThat(lastStore.segmentCount()).isEqualTo(1);
    }

    @Test
    void shouldForgetForGoodTheIdsOfMessagesACrashTookBack() throws IOException {
        Path queueDirectory = directory.resolve("q");
        FileHandleCache files = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        LogFlusher flusher = new LogFlusher("test-flusher");
        try {
            MessageQueue queue = openQueue(queueDirectory, flusher, files);
            publish(queue, "a", "a").accepted().join();
            publish(queue, "b", "b").accepted().join();
            long sizeWithTwo = Files.size(segment(queueDirectory));
            publish(queue, "c", "c").accepted().join();
            queue.closeStore().join();
            // A crash that kept c's id on disk but not c itself: its record is cut from the queue's log.
            try (FileChannel channel = FileChannel.open(segment(queueDirectory), StandardOpenOption.WRITE)) {
                channel.truncate(sizeWithTwo);
            }

            MessageQueue reopened = openQueue(queueDirectory, flusher, files);
            publish(reopened, "a", "a resent").accepted().join();
            publish(reopened, "c", "c resent").accepted().join();
            assertThat(drain(reopened)).containsExactly("a", "b", "c resent");
            reopened.closeStore().join();

            MessageQueue again = openQueue(queueDirectory, flusher, files);
            publish(again, "c", "c resent twice").accepted().join();
            publish(again, "d", "d").accepted().join();
            assertThat(drain(again)).as("c's resend is in the window now").containsExactly("d");
        } finally {
            closeQueues();
            queues.clear();
            flusher.close();
        }
    }

    @Test
    void shouldReadBackFromTheQueuesRecordsTheIdsTheJournalLost() throws IOException {
        Path queueDirectory = directory.resolve("q");
        FileHandleCache files = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        LogFlusher flusher = new LogFlusher("test-flusher");
        try {
            MessageQueue queue = openQueue(queueDirectory, flusher, files);
            publish(queue, "a", "a").accepted().join();
            publish(queue, "b", "b").accepted().join();
            GetResult taken = queue.get(CHANNEL, true).join(); // a is consumed: its id must stay all the same
            assertThat(taken.isEmpty()).isFalse();
            queue.closeStore().join();
            // A machine crash before the journal's first fsync: it never reached the disk.
            try (Stream<Path> journal = Files.list(queueDirectory.resolve("deduplication"))) {
                for (Path file : journal.toList()) {
                    Files.delete(file);
                }
            }

            MessageQueue reopened = openQueue(queueDirectory, flusher, files);
            publish(reopened, "a", "a resent").accepted().join();
            publish(reopened, "b", "b resent").accepted().join();
            publish(reopened, "c", "c").accepted().join();

            assertThat(drain(reopened)).containsExactly("b", "c");
        } finally {
            closeQueues();
            queues.clear();
            flusher.close();
        }
    }

    @Test
    void shouldDeleteJournalSegmentsWhoseIdsLeftTheWindow() throws IOException {
        Path queueDirectory = directory.resolve("q");
        LogFlusher flusher = new LogFlusher("test-flusher");
        QueueSettings small = new QueueSettings("/", "q", true, OptionalLong.empty(), false, QueueArguments.parse(
                Map.of("x-message-deduplication", true, "x-cache-size", 10), "queue 'q'"));
        try {
            LogMessageStore store = LogMessageStore.open(queueDirectory, CONFIG, flusher,
                    new FileHandleCache(FileHandleCache.CAPACITY_MIN), Runnable::run, PagingLimits.DEFAULTS, "queue 'q'",
                    0, small.arguments().deduplication().orElseThrow());
            MessageQueue queue = new MessageQueue(small, store, Runnable::run, q -> { });
            queues.add(queue);
            // About 60 bytes a record: 3,000 ids fill three 64 KiB segments.
            List<PublishConfirm> confirms = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                confirms.add(publish(queue, "payment-" + i, "m" + i));
            }
            confirms.forEach(confirm -> confirm.accepted().join());
            long before = journalSegments(queueDirectory);
            assertThat(before).isGreaterThanOrEqualTo(3);

            queue.maintainStore();

            assertThat(journalSegments(queueDirectory)).as("only the segments holding the last 10 ids")
                    .isLessThanOrEqualTo(2).isLessThan(before);
            publish(queue, "payment-2990", "resent, in the window").accepted().join();
            publish(queue, "payment-2989", "resent, out of the window").accepted().join();
            queue.closeStore().join();
            MessageQueue reopened = openQueue(queueDirectory, flusher, new FileHandleCache(FileHandleCache.CAPACITY_MIN));
            publish(reopened, "payment-2999", "resent after the restart").accepted().join();
            assertThat(drain(reopened)).hasSize(3001).endsWith("m2999", "resent, out of the window");
        } finally {
            closeQueues();
            queues.clear();
            flusher.close();
        }
    }

    private static long journalSegments(Path queueDirectory) throws IOException {
        try (Stream<Path> files = Files.list(queueDirectory.resolve("deduplication"))) {
            return files.filter(file -> file.getFileName().toString().endsWith(".log")).count();
        }
    }

    private static Path segment(Path queueDirectory) throws IOException {
        try (Stream<Path> files = Files.list(queueDirectory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".log")).findFirst().orElseThrow();
        }
    }
}
