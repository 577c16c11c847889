package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.QueuedMessage;

/**
 * A paged-out message whose record is damaged on disk while the queue runs: the page-in reports
 * it lost (through the {@link LogMessageStore.StoreObserver} and an ERROR line), settles it, and
 * hands out the messages around it. Real log files in a temporary directory, damaged in place.
 */
class LogMessageStorePagedLossTest {
    private static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);

    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final List<LogMessageStore> stores = new ArrayList<>();
    private final List<String> losses = new ArrayList<>();
    private long nextSequence;

    @AfterEach
    void closeEverything() {
        stores.forEach(LogMessageStore::close);
        flusher.close();
    }

    private LogMessageStore open(int topLevel) {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.NEVER).segmentBytesMax(1024 * 1024)
                .segmentDeleteDelayMs(0);
        LogMessageStore.StoreObserver observer = new LogMessageStore.StoreObserver() {
            @Override
            public void lost(long first, long last, long unsettled) {
                losses.add(first + ".." + last + ": " + unsettled);
            }
        };
        LogMessageStore store = LogMessageStore.open(dataDir.resolve("q"), config, flusher,
                FileHandleCache.processDefault(), Runnable::run, new PagingLimits(2, 1024 * 1024), "queue 'q'",
                LogMessageStore.LogAppender.DIRECT, observer, topLevel);
        stores.add(store);
        return store;
    }

    /** Five messages, one batch each: a and b in memory, c, d and e paged; d's batch then damaged. */
    private LogMessageStore fiveWithTheFourthDamaged(int topLevel) throws IOException {
        LogMessageStore store = open(topLevel);
        long dBatchStart = 0;
        long dBatchEnd = 0;
        for (String body : List.of("a", "b", "c", "d", "e")) {
            if (body.equals("d")) {
                dBatchStart = store.currentLog().sizeInBytes();
            }
            store.append(new QueuedMessage(nextSequence++, new Message("ex", "rk", PERSISTENT,
                    body.getBytes(StandardCharsets.UTF_8))), null);
            store.endOfDrain();
            if (body.equals("d")) {
                dBatchEnd = store.currentLog().sizeInBytes();
            }
        }
        assertThat(store.pagedCount()).isEqualTo(3);
        try (FileChannel segment = FileChannel.open(store.directory().resolve("00000000000000000000.log"),
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = (dBatchStart + dBatchEnd) / 2; // inside the batch's records: its CRC no longer matches
            ByteBuffer one = ByteBuffer.allocate(1);
            segment.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 0x5a)).rewind();
            segment.write(one, at);
        }
        return store;
    }

    private static List<String> takeAll(LogMessageStore store, List<QueuedMessage> taken) {
        List<String> bodies = new ArrayList<>();
        QueuedMessage next;
        while ((next = store.pollReady()) != null) {
            taken.add(next);
            bodies.add(new String(next.message().body(), StandardCharsets.UTF_8));
        }
        return bodies;
    }

    @Test
    void aPagedMessageWhoseRecordWasDamagedIsReportedLostAndSettledAndTheRestIsHandedOut() throws IOException {
        LogMessageStore store = fiveWithTheFourthDamaged(0);
        List<QueuedMessage> taken = new ArrayList<>();
        try (LogCapture lines = new LogCapture(LogMessageStore.class)) {
            assertThat(takeAll(store, taken)).containsExactly("a", "b", "c", "e");
            assertThat(lines.lines(ch.qos.logback.classic.Level.ERROR)).singleElement().asString()
                    .startsWith("queue 'q': 1 paged-out messages at offsets 3..3 of ");
        }
        assertThat(losses).containsExactly("3..3: 1");
        assertThat(store.pagedCount()).isZero();
        assertThat(store.unsettledInLog()).as("the four handed out, not settled yet").isEqualTo(4);
        taken.forEach(store::settle);
        assertThat(store.unsettledInLog()).as("d settled as lost").isZero();
    }

    @Test
    void aQueueWithPrioritiesCountsTheDamagedMessageLostOnceItsPageIsRead() throws IOException {
        // Which level a damaged record was is unknown: the page's count tells, once it is read.
        LogMessageStore store = fiveWithTheFourthDamaged(2);
        List<QueuedMessage> taken = new ArrayList<>();
        assertThat(takeAll(store, taken)).containsExactly("a", "b", "c", "e");
        assertThat(losses).containsExactly("2..4: 1");
        assertThat(store.pagedCount()).isZero();
    }

    @Test
    void aRecordDamagedWhileTheQueueWasDownIsReportedLostAtTheRestart() throws IOException {
        LogMessageStore store = fiveWithTheFourthDamaged(0);
        store.close();
        stores.remove(store);
        LogMessageStore reopened = open(0);
        assertThat(losses).containsExactly("3..3: 1");
        assertThat(reopened.readyCount()).isEqualTo(4);
    }
}
