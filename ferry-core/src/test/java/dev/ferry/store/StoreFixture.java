package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.queue.InMemoryMessageStore;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.MessageStore;

/**
 * Opens stores of one {@link StoreKind} for a test and checks what they settled. Close it after
 * the test (it closes every store it opened, on the test's thread: tests run queues inline).
 */
public final class StoreFixture implements AutoCloseable {
    /** So small that every message but the first waits on disk. */
    static final PagingLimits TINY = new PagingLimits(2, 1);

    private final StoreKind kind;
    private final Path directory;
    private final List<LogMessageStore> stores = new ArrayList<>();
    private LogFlusher flusher;

    StoreFixture(StoreKind kind, Path directory) {
        this.kind = kind;
        this.directory = directory;
    }

    public StoreKind kind() {
        return kind;
    }

    /** A new, empty store for one queue. */
    public MessageStore newStore() {
        return newStore(0);
    }

    /** A new, empty store for one queue with priority levels 0 to {@code topLevel} (x-max-priority). */
    public MessageStore newStore(int topLevel) {
        if (kind == StoreKind.IN_MEMORY) {
            return new InMemoryMessageStore(topLevel);
        }
        if (flusher == null) {
            flusher = new LogFlusher("test-flusher");
        }
        Path queueDirectory = directory.resolve("queue-" + stores.size());
        LogMessageStore store = kind == StoreKind.DURABLE_LOG
                ? LogMessageStore.open(queueDirectory, config(FsyncPolicy.ALWAYS), flusher, FileHandleCache.processDefault(),
                        Runnable::run,
                        PagingLimits.DEFAULTS, "queue 'q'", topLevel)
                : LogMessageStore.openTransient(queueDirectory, config(FsyncPolicy.NEVER), flusher,
                        FileHandleCache.processDefault(), TINY, "queue 'q'",
                        topLevel);
        stores.add(store);
        return store;
    }

    private static LogConfig config(FsyncPolicy fsync) {
        return new LogConfig().fsyncPolicy(fsync).segmentBytesMax(64 * 1024).batchBytesMax(64 * 1024)
                .segmentDeleteDelayMs(0);
    }

    /**
     * Checks that {@code queue} (on the store this fixture opened last) settled in its store every
     * message it is done with, {@code stillHeld} being how many it still holds (ready, unacked or
     * waiting). A durable log must bring back exactly those after a crash; a spill log with
     * nothing held must hold nothing unsettled. An in-memory store has nothing to check.
     */
    public void assertSettled(MessageQueue queue, int stillHeld) {
        if (kind == StoreKind.IN_MEMORY) {
            return;
        }
        LogMessageStore store = stores.get(stores.size() - 1);
        queue.maintainStore(); // the checkpoint (written inline) and the spill log's release
        if (kind == StoreKind.DURABLE_LOG) {
            Path copy = crashCopy(store.directory());
            LogMessageStore recovered = LogMessageStore.open(copy, config(FsyncPolicy.ALWAYS), flusher, Runnable::run,
                    PagingLimits.DEFAULTS, "queue 'q' (recovered)");
            try {
                assertThat(recovered.readyCount() + recovered.recoveredWaiting().size())
                        .as("messages a crash would bring back").isEqualTo(stillHeld);
            } finally {
                recovered.close();
            }
        } else if (stillHeld == 0) {
            assertThat(store.unsettledInLog()).as("unsettled records in the spill log").isZero();
        }
    }

    private Path crashCopy(Path from) {
        Path copy = directory.resolve("crash-" + System.nanoTime());
        try {
            Files.createDirectories(copy);
            try (Stream<Path> files = Files.list(from)) {
                for (Path file : files.toList()) {
                    if (!file.getFileName().toString().equals(".lock")) {
                        Files.copy(file, copy.resolve(file.getFileName()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copy;
    }

    @Override
    public void close() {
        for (LogMessageStore store : stores) {
            try {
                store.close();
            } catch (RuntimeException ignored) {
                // A test may have broken it on purpose.
            }
        }
        if (flusher != null) {
            flusher.close();
        }
    }
}
