package dev.ferry.store;

import static dev.ferry.store.StoreTestSupport.crashCopy;
import static dev.ferry.store.StoreTestSupport.drain;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;

/**
 * Recovery of a queue whose log was damaged on disk: only the damaged records are lost, with an
 * ERROR naming the queue, the segment file and the offsets; the queue still takes new messages and
 * keeps them across later restarts; its settled segments are still deleted.
 */
class DamagedLogRecoveryTest {
    private static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);
    private static final int SEGMENT_BYTES = 2048;
    // Kafka RecordBatch v2: base offset (8), length (4), then the rest of the batch; the length
    // counts the bytes after itself.
    private static final int LENGTH_POSITION = 8;
    private static final int LOG_OVERHEAD = 12;

    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final List<MessageQueue> open = new ArrayList<>();
    private final ListAppender<ILoggingEvent> logLines = new ListAppender<>();
    private final Logger storeLogger = (Logger) LoggerFactory.getLogger(LogMessageStore.class);

    DamagedLogRecoveryTest() {
        logLines.start();
        storeLogger.addAppender(logLines);
    }

    @AfterEach
    void closeEverything() {
        storeLogger.detachAppender(logLines);
        for (MessageQueue queue : open) {
            queue.closeStore().handle((ok, error) -> null).join();
        }
        flusher.close();
    }

    private LogMessageStore openStore(Path directory) {
        return openStore(directory, PagingLimits.DEFAULTS);
    }

    private LogMessageStore openStore(Path directory, PagingLimits limits) {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(SEGMENT_BYTES)
                .batchBytesMax(SEGMENT_BYTES).segmentDeleteDelayMs(0);
        return LogMessageStore.open(directory, config, flusher, Runnable::run, limits, "queue 'q'");
    }

    private MessageQueue queueOn(LogMessageStore store) {
        QueueSettings settings = new QueueSettings("/", "q", true, OptionalLong.empty(), false, QueueArguments.NONE);
        MessageQueue queue = new MessageQueue(settings, store, Runnable::run, q -> { });
        open.add(queue);
        return queue;
    }

    private void publishAll(MessageQueue queue, List<String> bodies) {
        List<PublishConfirm> confirms = new ArrayList<>();
        for (String body : bodies) {
            PublishConfirm confirm = new PublishConfirm(1);
            queue.enqueue(new Message("", "q", PERSISTENT, (body + "-" + "x".repeat(60)).getBytes(StandardCharsets.UTF_8)),
                    confirm);
            confirms.add(confirm);
        }
        confirms.forEach(confirm -> assertThat(confirm.accepted()).succeedsWithin(Duration.ofSeconds(5)));
    }

    private void closeQueue(MessageQueue queue) {
        queue.closeStore().join();
        open.remove(queue);
    }

    private static List<String> names(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
    }

    private static List<String> drainNames(MessageQueue queue) {
        return drain(queue, new ArrayList<>()).stream().map(body -> body.substring(0, body.indexOf('-'))).toList();
    }

    /** Where the batch holding {@code offset} starts in the segment file, and its size. */
    private static long[] findBatch(Path segment, long offset) throws IOException {
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(LOG_OVERHEAD);
            long position = 0;
            while (position < channel.size()) {
                header.clear();
                channel.read(header, position);
                long base = header.getLong(0);
                int size = LOG_OVERHEAD + header.getInt(LENGTH_POSITION);
                if (base == offset) {
                    return new long[] {position, size};
                }
                position += size;
            }
        }
        throw new AssertionError("no batch at offset " + offset + " in " + segment);
    }

    private static void flip(Path file, long position, int bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer data = ByteBuffer.allocate(bytes);
            channel.read(data, position);
            for (int i = 0; i < bytes; i++) {
                data.put(i, (byte) ~data.get(i));
            }
            data.flip();
            channel.write(data, position);
        }
    }

    @Test
    void aDamagedBatchInAClosedSegmentCostsOnlyItsOwnMessagesAndTheQueueKeepsNewOnes() throws IOException {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = queueOn(openStore(directory));
        publishAll(queue, names("m", 60));
        closeQueue(queue);
        Path firstSegment = directory.resolve("00000000000000000000.log");
        long[] batch = findBatch(firstSegment, 5);
        flip(firstSegment, batch[0] + batch[1] - 20, 16); // inside m5's record: its CRC fails

        MessageQueue recovered = queueOn(openStore(directory));
        List<String> expected = new ArrayList<>(names("m", 60));
        expected.remove("m5");
        assertThat(recovered.messageCount()).isEqualTo(59);
        assertThat(logLines.list).anySatisfy(line -> {
            assertThat(line.getLevel()).isEqualTo(Level.ERROR);
            assertThat(line.getFormattedMessage()).contains("queue 'q'").contains("offsets 5..5")
                    .contains(firstSegment.toString());
        });

        // Damage, restart, publish new, restart: every new message is still there.
        publishAll(recovered, names("n", 10));
        closeQueue(recovered);
        MessageQueue again = queueOn(openStore(directory));
        expected.addAll(names("n", 10));
        assertThat(drainNames(again)).containsExactlyElementsOf(expected);
        again.maintainStore(); // the checkpoint: everything settled, the damaged offset too
        again.maintainStore(); // segments below it go
        publishAll(again, names("o", 1));
        MessageQueue afterCrash = queueOn(openStore(crashCopy(directory, dataDir)));
        assertThat(drainNames(afterCrash)).containsExactly("o0");
    }

    @Test
    void aPagedOutMessageWhoseRecordIsDamagedWhileTheQueueRunsIsLostAndSettled() throws IOException {
        Path directory = dataDir.resolve("q");
        LogMessageStore store = openStore(directory, new PagingLimits(4, 1024 * 1024));
        MessageQueue queue = queueOn(store);
        publishAll(queue, names("m", 10)); // m0..m3 in memory, m4..m9 paged out
        assertThat(store.pagedCount()).isEqualTo(6);
        Path firstSegment = directory.resolve("00000000000000000000.log");
        long[] batch = findBatch(firstSegment, 6);
        flip(firstSegment, batch[0] + batch[1] - 20, 16); // inside m6's record: its CRC fails

        List<String> expected = new ArrayList<>(names("m", 10));
        expected.remove("m6");
        assertThat(drainNames(queue)).containsExactlyElementsOf(expected);
        assertThat(store.pagedCount()).isZero();
        assertThat(store.readyCount()).isZero();
        assertThat(logLines.list).anySatisfy(line -> {
            assertThat(line.getLevel()).isEqualTo(Level.ERROR);
            assertThat(line.getFormattedMessage()).contains("queue 'q': 1 paged-out messages at offsets 6..6")
                    .contains(firstSegment.toString()).contains("they are lost");
        });
        queue.maintainStore(); // the checkpoint settles the lost offset with the delivered ones
        assertThat(drainNames(queueOn(openStore(crashCopy(directory, dataDir))))).isEmpty();
    }

    @Test
    void aQueueRecoveredWithDamageKeepsNewMessagesAcrossACrash() throws IOException {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = queueOn(openStore(directory));
        publishAll(queue, names("m", 60));
        closeQueue(queue);
        Path firstSegment = directory.resolve("00000000000000000000.log");
        long[] batch = findBatch(firstSegment, 3);
        flip(firstSegment, batch[0] + batch[1] - 20, 16);

        MessageQueue recovered = queueOn(openStore(directory));
        publishAll(recovered, names("n", 10));
        recovered.maintainStore();
        MessageQueue afterCrash = queueOn(openStore(crashCopy(directory, dataDir)));
        List<String> expected = new ArrayList<>(names("m", 60));
        expected.remove("m3");
        expected.addAll(names("n", 10));
        assertThat(drainNames(afterCrash)).containsExactlyElementsOf(expected);
    }

    @Test
    void aDrainedQueueWithADamagedSegmentStillGivesItsSegmentsBack() throws IOException {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = queueOn(openStore(directory));
        publishAll(queue, names("m", 60));
        closeQueue(queue);
        Path firstSegment = directory.resolve("00000000000000000000.log");
        long[] batch = findBatch(firstSegment, 2);
        flip(firstSegment, batch[0] + batch[1] - 20, 16);

        LogMessageStore store = openStore(directory);
        MessageQueue recovered = queueOn(store);
        assertThat(drainNames(recovered)).hasSize(59);
        recovered.maintainStore();
        recovered.maintainStore();
        assertThat(store.lowWater()).as("past the damaged offset").isEqualTo(store.logEndOffset());
        assertThat(firstSegment).as("the damaged segment is settled and deleted").doesNotExist();
    }

    /**
     * A damaged batch length alone: the CRC does not cover it, but it covers everything after it,
     * so the log puts the length back and nothing is lost.
     */
    @Test
    void aDamagedBatchLengthAloneCostsNothing() throws IOException {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = queueOn(openStore(directory));
        publishAll(queue, names("m", 60));
        closeQueue(queue);
        Path firstSegment = directory.resolve("00000000000000000000.log");
        long[] batch = findBatch(firstSegment, 4);
        flip(firstSegment, batch[0] + LENGTH_POSITION, 4);

        MessageQueue recovered = queueOn(openStore(directory));
        assertThat(drainNames(recovered)).containsExactlyElementsOf(names("m", 60));
    }

    /**
     * A damaged batch length and body: the records after it in the same segment can only be found
     * by a log that scans past the damage; the store then loses only the damaged batch.
     */
    @Test
    void aDamagedBatchHeaderAndBodyCostOnlyThatBatch() throws IOException {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = queueOn(openStore(directory));
        publishAll(queue, names("m", 60));
        closeQueue(queue);
        Path firstSegment = directory.resolve("00000000000000000000.log");
        long[] batch = findBatch(firstSegment, 4);
        flip(firstSegment, batch[0] + LENGTH_POSITION, 4);
        flip(firstSegment, batch[0] + batch[1] - 3, 2);

        MessageQueue recovered = queueOn(openStore(directory));
        List<String> expected = new ArrayList<>(names("m", 60));
        expected.remove("m4");
        assertThat(drainNames(recovered)).containsExactlyElementsOf(expected);
    }
}
