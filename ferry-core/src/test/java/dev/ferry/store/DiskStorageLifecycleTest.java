package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import dev.ferry.broker.MetadataRecord;
import dev.ferry.broker.QueueStore;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogConfig;
import dev.ferry.message.Message;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;

/**
 * The data directory's storage from open to close: it drops an earlier run's spill logs, records
 * and compacts the metadata, checkpoints its queues' acks on its own timer, shares its flusher and
 * file handles, and stops every thread it started and releases every file on close (or when the
 * metadata cannot be read); after close a new queue's store fails instead of waiting.
 */
class DiskStorageLifecycleTest {
    @TempDir
    Path dataDir;
    private DiskStorage storage;

    @AfterEach
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    private static StorageSettings checkpointEvery(long ms) {
        return new StorageSettings(FsyncPolicy.ALWAYS, 1000, ms, 1 << 20, PagingLimits.DEFAULTS);
    }

    private static QueueSettings durable(String name) {
        return new QueueSettings("/", name, true, OptionalLong.empty(), false, QueueArguments.NONE);
    }

    private static MetadataRecord.QueueDeclared declared(String name) {
        return new MetadataRecord.QueueDeclared("/", name, false, Map.of());
    }

    /** The live threads the storage code names, not the test framework's or the JVM's. */
    private static Set<Thread> ferryThreads() {
        return Set.copyOf(Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("ferry-")).toList());
    }

    @Test
    void shouldStopEveryThreadItStartedAndReleaseItsFilesOnClose() throws Exception {
        Set<Thread> before = ferryThreads();
        storage = DiskStorage.open(dataDir, checkpointEvery(60_000));
        storage.record(declared("q")).get(10, TimeUnit.SECONDS);
        // A topic's log shares the storage's flusher and file handles.
        Log topic = Log.open(dataDir.resolve("topic"), new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS), storage.flusher(),
                storage.fileHandles());
        topic.append(List.of(new org.apache.kafka.common.record.internal.SimpleRecord(1L, null, new byte[] {1}))).join();
        assertThat(topic.durableEndOffset()).isEqualTo(1);
        topic.close();
        assertThat(storage.flusher()).isNotNull();
        QueueStore opened = storage.openQueueStore(durable("q"), false, Runnable::run, CompletableFuture.completedFuture(null));
        opened.ready().get(10, TimeUnit.SECONDS);
        MessageQueue queue = new MessageQueue(durable("q"), opened.store(), opened.owner(), q -> { });
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(new Message("", "q", StoreKind.PERSISTENT, new byte[] {1}), confirm);
        confirm.accepted().get(10, TimeUnit.SECONDS);
        queue.closeStore().get(10, TimeUnit.SECONDS); // its segment's handle stays in the cache, idle
        assertThat(storage.fileHandles().openCount()).as("the metadata segment, at least").isPositive();
        Set<Thread> started = new java.util.HashSet<>(ferryThreads());
        started.removeAll(before);
        assertThat(started).extracting(Thread::getName).contains("ferry-metadata", "ferry-store-maintenance",
                "ferry-queue-files-0", "ferry-fsync-0");

        storage.close();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(started)
                .as("threads still running after close").noneMatch(Thread::isAlive));
        assertThat(storage.fileHandles().openCount()).as("files open after close").isZero();
        storage = DiskStorage.open(dataDir, checkpointEvery(60_000));
        assertThat(storage.recoveredMetadata()).containsExactly(declared("q"));
    }

    @Test
    void shouldStopItsFlusherWhenTheMetadataCannotBeRead() throws Exception {
        Files.createDirectories(dataDir.resolve(StorageFiles.METADATA_DIRECTORY).resolve("00000000000000000000.log"));
        Set<Thread> before = ferryThreads();

        assertThatThrownBy(() -> DiskStorage.open(dataDir, checkpointEvery(60_000)))
                .isInstanceOf(MetadataUnreadableException.class);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(ferryThreads())
                .as("threads the failed open left running").allMatch(before::contains));
    }

    @Test
    void shouldDeleteTheSpillLogsOfAnEarlierRunAtOpen() throws Exception {
        Path spill = dataDir.resolve(StorageFiles.PAGING_DIRECTORY).resolve("7");
        Files.createDirectories(spill);
        Files.writeString(spill.resolve("00000000000000000000.log"), "an earlier run's paged messages");

        storage = DiskStorage.open(dataDir, checkpointEvery(60_000));

        assertThat(dataDir.resolve(StorageFiles.PAGING_DIRECTORY)).doesNotExist();
    }

    @Test
    void shouldRewriteTheMetadataAsWhatStandsWithoutLookingForQueuesWhenThereAreNone() throws Exception {
        storage = DiskStorage.open(dataDir, checkpointEvery(60_000));
        for (String name : List.of("a", "b", "c")) {
            storage.record(declared(name)).get(10, TimeUnit.SECONDS);
        }
        storage.close();
        storage = DiskStorage.open(dataDir, checkpointEvery(60_000));

        try (LogCapture warnings = new LogCapture(DiskStorage.class)) {
            storage.compactMetadata(List.of(declared("b")));
            assertThat(warnings.lines(Level.WARN)).as("no queues directory is nothing to warn of").isEmpty();
        }
        storage.close();

        storage = DiskStorage.open(dataDir, checkpointEvery(60_000));
        assertThat(storage.recoveredMetadata()).containsExactly(declared("b"));
    }

    @Test
    void shouldCheckpointItsQueuesAcksOnItsOwnTimer() throws Exception {
        storage = DiskStorage.open(dataDir, checkpointEvery(50));
        QueueStore opened = storage.openQueueStore(durable("q"), false, Runnable::run, CompletableFuture.completedFuture(null));
        opened.ready().get(10, TimeUnit.SECONDS);
        MessageQueue queue = new MessageQueue(durable("q"), opened.store(), opened.owner(), q -> { });
        storage.queueOpened(queue);
        try {
            for (String body : List.of("a", "b", "c")) {
                PublishConfirm confirm = new PublishConfirm(1);
                queue.enqueue(new Message("", "q", StoreKind.PERSISTENT, body.getBytes(StandardCharsets.UTF_8)), confirm);
                confirm.accepted().get(10, TimeUnit.SECONDS);
            }
            queue.get(StoreTestSupport.CHANNEL, true).join();
            queue.get(StoreTestSupport.CHANNEL, true).join();

            Path directory = StorageFiles.queueDirectory(dataDir, "/", "q");
            await().atMost(Duration.ofSeconds(5)).until(() -> recoveredFromCrashCopy(directory) == 1);
        } finally {
            queue.closeStore().get(10, TimeUnit.SECONDS);
        }
    }

    private int recoveredFromCrashCopy(Path directory) throws Exception {
        Path copy = StoreTestSupport.crashCopy(directory, dataDir);
        LogMessageStore recovered = LogMessageStore.open(copy, new LogConfig(), storage.flusher(), Runnable::run,
                PagingLimits.DEFAULTS, "queue 'q' (crash copy)");
        try {
            return recovered.readyCount();
        } finally {
            recovered.close();
        }
    }

    @Test
    void shouldFailANewQueuesStoreAtOnceAfterClose() {
        storage = DiskStorage.open(dataDir, checkpointEvery(60_000));
        storage.close();

        QueueStore refused = storage.openQueueStore(durable("late"), false, Runnable::run,
                CompletableFuture.completedFuture(null));

        assertThat(refused.ready()).failsWithin(Duration.ofSeconds(1)).withThrowableOfType(Exception.class)
                .havingRootCause().isInstanceOf(RejectedExecutionException.class);
        storage = null;
    }
}
