package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.QueuedMessage;

/**
 * A store's open, close and deletion, and the paged-out messages it reads for a purge or an
 * expiry, driven on the store itself: real logs in a temporary directory.
 */
class LogMessageStoreLifecycleTest {
    private static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);
    private static final MessageProperties TRANSIENT = MessageProperties.EMPTY;
    private static final PagingLimits TWO = new PagingLimits(2, 1024 * 1024);
    private static final LogConfig CONFIG = new LogConfig().fsyncPolicy(FsyncPolicy.NEVER).segmentDeleteDelayMs(0);

    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final List<LogMessageStore> stores = new ArrayList<>();
    private long nextSequence;

    @AfterEach
    void closeEverything() {
        stores.forEach(LogMessageStore::close);
        flusher.close();
    }

    private LogMessageStore durable(Path directory, PagingLimits limits, int topLevel) {
        LogMessageStore store = LogMessageStore.open(directory, CONFIG, flusher, FileHandleCache.processDefault(),
                Runnable::run, limits, "queue 'q'", topLevel);
        stores.add(store);
        return store;
    }

    private LogMessageStore spilling(Path directory) {
        LogMessageStore store = LogMessageStore.openTransient(directory, CONFIG, flusher, TWO, "queue 't'");
        stores.add(store);
        return store;
    }

    private QueuedMessage message(String body, MessageProperties properties) {
        return new QueuedMessage(nextSequence++, new Message("ex", "rk", properties,
                body.getBytes(StandardCharsets.UTF_8)));
    }

    private QueuedMessage expiring(String body, long expiresAt) {
        return QueuedMessage.recovered(nextSequence++, new Message("ex", "rk", PERSISTENT,
                body.getBytes(StandardCharsets.UTF_8)), QueuedMessage.NOT_IN_LOG, expiresAt, false, 0);
    }

    @Test
    void aCleanCloseWritesWhatTheDrainStillHeld() {
        Path directory = dataDir.resolve("q");
        LogMessageStore store = durable(directory, PagingLimits.DEFAULTS, 0);
        store.append(message("a", PERSISTENT), null);
        store.close(); // no endOfDrain before it
        store.close(); // a second close changes nothing
        LogMessageStore reopened = durable(directory, PagingLimits.DEFAULTS, 0);
        assertThat(reopened.readyCount()).isEqualTo(1);
    }

    @Test
    void recoveredPagedMessagesCountTheirBytes() {
        Path directory = dataDir.resolve("q");
        LogMessageStore store = durable(directory, TWO, 0);
        for (int i = 0; i < 4; i++) {
            store.append(message("0123456789", PERSISTENT), null);
        }
        store.endOfDrain();
        store.close();
        LogMessageStore reopened = durable(directory, TWO, 0);
        assertThat(reopened.pagedCount()).isEqualTo(2);
        assertThat(reopened.readyBytes()).isEqualTo(40);
    }

    @Test
    void aSpillLogIsRemovedAtOpenAtCloseAndAtDeletion() throws IOException {
        Path leftOver = dataDir.resolve("t");
        Files.createDirectories(leftOver);
        Files.writeString(leftOver.resolve("00000000000000000000.log"), "a previous run's spill");
        LogMessageStore store = spilling(leftOver);
        assertThat(leftOver).doesNotExist();

        for (int i = 0; i < 3; i++) {
            store.append(message("m" + i, TRANSIENT), null); // the third is paged: the spill log opens
        }
        assertThat(leftOver).exists();
        store.close();
        assertThat(leftOver).doesNotExist();
        store.endOfDrain(); // the drain's paged record went with the spill log

        Path deleted = dataDir.resolve("d");
        LogMessageStore other = spilling(deleted);
        for (int i = 0; i < 3; i++) {
            other.append(message("m" + i, TRANSIENT), null);
        }
        other.endOfDrain();
        LogMessageStore neverPaged = spilling(dataDir.resolve("n"));
        neverPaged.append(message("m", TRANSIENT), null);
        try (LogCapture lines = new LogCapture(LogMessageStore.class)) {
            other.deleted();
            neverPaged.deleted(); // no spill log to close
            assertThat(lines.lines(Level.WARN)).isEmpty();
        }
        assertThat(deleted).doesNotExist();
    }

    @Test
    void aPurgeOfAQueueWithPrioritiesEmptiesItsPagedLevels() {
        LogMessageStore store = durable(dataDir.resolve("q"), TWO, 2);
        for (int i = 0; i < 5; i++) {
            store.append(message("m" + i, PERSISTENT), null);
        }
        store.endOfDrain();
        assertThat(store.pagedCount()).isEqualTo(3);
        assertThat(store.purgeReady()).isEqualTo(5);
        assertThat(store.pagedCount()).isZero();
        assertThat(store.readyCount()).isZero();
    }

    @Test
    void pagedMessagesStillInTheDrainExpireAtTheirExpiry() {
        long expiry = 1_700_000_000_000L;
        LogMessageStore store = durable(dataDir.resolve("q"), TWO, 0);
        store.append(message("a", PERSISTENT), null);
        store.append(message("b", PERSISTENT), null);
        store.endOfDrain();
        store.append(expiring("c", expiry), null); // paged, not written yet
        store.append(expiring("d", expiry + 1), null);
        List<String> expired = new ArrayList<>();
        store.expirePaged(expiry, message -> expired.add(new String(message.body(), StandardCharsets.UTF_8)));
        assertThat(expired).as("due at exactly now").containsExactly("c");
        assertThat(store.pagedCount()).isEqualTo(1);
    }

    @Test
    void aMessageRemovedInTheDrainThatStoredItIsWrittenFirst() {
        LogMessageStore store = durable(dataDir.resolve("q"), PagingLimits.DEFAULTS, 0);
        QueuedMessage a = message("a", PERSISTENT);
        store.append(a, null);
        assertThat(store.removeReady(a)).isTrue();
        assertThat(store.logEndOffset()).as("its record is written before it leaves").isEqualTo(1);
        store.settle(a);
        assertThat(store.unsettledInLog()).isZero();
    }

    @Test
    void aRestartDropsPagedTransientCopiesAndSaysHowMany() {
        Path directory = dataDir.resolve("q");
        LogMessageStore store = durable(directory, TWO, 0);
        store.append(message("a", PERSISTENT), null);
        store.append(message("b", PERSISTENT), null);
        store.append(message("t", TRANSIENT), null); // paged: written as a transient copy
        store.endOfDrain();
        store.close();
        try (LogCapture lines = new LogCapture(LogMessageStore.class)) {
            LogMessageStore reopened = durable(directory, TWO, 0);
            assertThat(reopened.readyCount()).isEqualTo(2);
            assertThat(lines.lines(Level.INFO)).filteredOn(line -> line.contains("recovered"))
                    .singleElement().asString().endsWith("; 1 transient copies dropped");
        }
    }

    @Test
    void theFinalCheckpointIsReportedToTheObserver() {
        List<AckCheckpoint> written = new ArrayList<>();
        LogMessageStore.StoreObserver observer = new LogMessageStore.StoreObserver() {
            @Override
            public void checkpointWritten(AckCheckpoint checkpoint) {
                written.add(checkpoint);
            }
        };
        LogMessageStore store = LogMessageStore.open(dataDir.resolve("q"), CONFIG, flusher,
                FileHandleCache.processDefault(), Runnable::run, TWO, "queue 'q'", LogMessageStore.LogAppender.DIRECT,
                observer, 0);
        stores.add(store);
        store.append(message("a", PERSISTENT), null);
        store.close();
        assertThat(written).singleElement().satisfies(checkpoint -> assertThat(checkpoint.cleanShutdown()).isTrue());
    }
}
