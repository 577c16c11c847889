package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import dev.ferry.broker.MetadataRecord;
import dev.ferry.broker.QueueStore;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueCounts;
import dev.ferry.queue.QueueSettings;

/** The data directory's storage: queue data is set aside, never deleted; new queues' files are made off the caller's thread. */
class DiskStorageTest {
    private static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);

    @TempDir
    Path dataDir;
    private DiskStorage storage;

    @AfterEach
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    private static QueueSettings durableQueue(String name) {
        return new QueueSettings("/", name, true, OptionalLong.empty(), false, QueueArguments.NONE);
    }

    private static Message persistent(String body) {
        return new Message("", "q", PERSISTENT, body.getBytes(StandardCharsets.UTF_8));
    }

    private Path orphanOf(String vhostDirectory, String queueDirectory) throws Exception {
        try (Stream<Path> runs = Files.list(dataDir.resolve("orphans"))) {
            List<Path> found = runs.map(run -> run.resolve(vhostDirectory).resolve(queueDirectory))
                    .filter(Files::isDirectory).toList();
            assertThat(found).hasSize(1);
            return found.get(0);
        }
    }

    /** A durable queue 'name' with {@code count} persistent messages, written by a store of its own and closed. */
    private Path queueDirectoryWithMessages(String name, int count) {
        Path directory = StorageFiles.queueDirectory(dataDir, "/", name);
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(1 << 20).batchBytesMax(1 << 20);
        try (LogFlusher flusher = new LogFlusher("setup-flusher")) {
            LogMessageStore store = LogMessageStore.open(directory, config, flusher, Runnable::run, PagingLimits.DEFAULTS, name);
            MessageQueue queue = new MessageQueue(durableQueue(name), store, Runnable::run, q -> { });
            for (int i = 0; i < count; i++) {
                PublishConfirm confirm = new PublishConfirm(1);
                queue.enqueue(persistent("m" + i), confirm);
                confirm.accepted().join();
            }
            queue.closeStore().join();
        }
        return directory;
    }

    @Test
    void shouldSetAsideQueueDirectoriesNoDeclarationOwnsInsteadOfDeletingThem() throws Exception {
        Path kept = queueDirectoryWithMessages("kept", 3);
        Path orphan = queueDirectoryWithMessages("lost decl", 5);
        byte[] orphanSegment = Files.readAllBytes(orphan.resolve("00000000000000000000.log"));
        storage = DiskStorage.open(dataDir, StorageSettings.DEFAULTS);

        try (LogCapture warnings = new LogCapture(Orphans.class)) {
            storage.compactMetadata(List.of(new MetadataRecord.QueueDeclared("/", "kept", false, Map.of())));

            assertThat(warnings.lines(Level.WARN)).singleElement().satisfies(line -> assertThat(line)
                    .contains("is not owned by any durable queue").contains("durable queue 'lost decl' in vhost '/'")
                    .contains("declare").contains("stop the broker").contains("replace"));
        }
        assertThat(kept).isDirectory();
        assertThat(orphan).doesNotExist();
        Path setAside = orphanOf("%2F", "lost%20decl");
        assertThat(Files.readAllBytes(setAside.resolve("00000000000000000000.log"))).isEqualTo(orphanSegment);
        assertThat(setAside.getParent().getParent().resolve("RESTORE.txt")).isRegularFile();
    }

    @Test
    void shouldSetAsideWhatANewQueueFindsUnderItsNameAndStartItEmpty() throws Exception {
        Path stale = queueDirectoryWithMessages("reused", 4);
        storage = DiskStorage.open(dataDir, StorageSettings.DEFAULTS);
        storage.compactMetadata(List.of(new MetadataRecord.QueueDeclared("/", "reused", false, Map.of())));

        QueueStore opened = storage.openQueueStore(durableQueue("reused"), false, Runnable::run,
                CompletableFuture.completedFuture(null));
        opened.ready().get(10, TimeUnit.SECONDS);
        MessageQueue queue = new MessageQueue(durableQueue("reused"), opened.store(), opened.owner(), q -> { });

        assertThat(queue.counts().join().messageCount()).isZero();
        assertThat(orphanOf("%2F", "reused").resolve("00000000000000000000.log")).isRegularFile();
        assertThat(stale).isDirectory();
        queue.closeStore().join();
    }

    @Test
    void shouldCreateANewQueuesFilesOffTheCallersThreadAndHoldItsWorkUntilThen() throws Exception {
        storage = DiskStorage.open(dataDir, StorageSettings.DEFAULTS);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(DiskStorage.QUEUE_FILE_THREADS);
        for (int i = 0; i < DiskStorage.QUEUE_FILE_THREADS; i++) {
            storage.queueFileThreads().execute(() -> {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();

        QueueStore opening = storage.openQueueStore(durableQueue("fresh"), false, Runnable::run,
                CompletableFuture.completedFuture(null));
        MessageQueue queue = new MessageQueue(durableQueue("fresh"), opening.store(), opening.owner(), q -> { });
        queue.enqueue(persistent("early"), null);
        CompletableFuture<QueueCounts> counts = queue.counts();

        assertThat(StorageFiles.queueDirectory(dataDir, "/", "fresh")).doesNotExist();
        assertThat(opening.ready()).isNotDone();
        assertThat(counts).as("the queue's work waits for its files").isNotDone();

        release.countDown();
        assertThat(counts.get(10, TimeUnit.SECONDS).messageCount()).isEqualTo(1);
        assertThat(opening.ready()).isCompleted();
        assertThat(StorageFiles.queueDirectory(dataDir, "/", "fresh").resolve("00000000000000000000.log")).isRegularFile();
        queue.closeStore().join();
    }

    @Test
    void shouldKeepTheTransientMessagesOfAQuorumQueueAcrossARestartAndNotThoseOfAClassicOne() throws Exception {
        // RabbitMQ writes every message of a quorum queue to disk, whatever its delivery mode.
        QueueSettings quorum = new QueueSettings("/", "quorum", true, OptionalLong.empty(), false,
                QueueArguments.parse(Map.of("x-queue-type", "quorum"), "queue 'quorum'"));
        QueueSettings classic = durableQueue("classic");
        Message transientMessage = new Message("", "q", MessageProperties.EMPTY, "t".getBytes(StandardCharsets.UTF_8));
        storage = DiskStorage.open(dataDir, StorageSettings.DEFAULTS);
        for (QueueSettings settings : List.of(quorum, classic)) {
            QueueStore store = storage.openQueueStore(settings, false, Runnable::run, CompletableFuture.completedFuture(null));
            store.ready().get(10, TimeUnit.SECONDS);
            MessageQueue queue = new MessageQueue(settings, store.store(), store.owner(), q -> { });
            PublishConfirm confirm = new PublishConfirm(1);
            queue.enqueue(transientMessage, confirm);
            confirm.accepted().get(10, TimeUnit.SECONDS);
            queue.closeStore().join();
        }
        storage.close();

        storage = DiskStorage.open(dataDir, StorageSettings.DEFAULTS);
        int[] recovered = new int[2];
        for (int i = 0; i < 2; i++) {
            QueueSettings settings = i == 0 ? quorum : classic;
            QueueStore store = storage.openQueueStore(settings, true, Runnable::run, CompletableFuture.completedFuture(null));
            store.ready().get(10, TimeUnit.SECONDS);
            MessageQueue queue = new MessageQueue(settings, store.store(), store.owner(), q -> { });
            recovered[i] = queue.messageCount();
            queue.closeStore().join();
        }
        assertThat(recovered[0]).as("the quorum queue's transient message").isEqualTo(1);
        assertThat(recovered[1]).as("the classic queue's transient message").isZero();
    }

    @Test
    void shouldConfirmNoMessageBeforeItsQueuesDeclarationIsDurable() throws Exception {
        storage = DiskStorage.open(dataDir, StorageSettings.DEFAULTS);
        CompletableFuture<Void> declared = new CompletableFuture<>();
        QueueStore held = storage.openQueueStore(durableQueue("held"), false, Runnable::run, declared);
        QueueStore free = storage.openQueueStore(durableQueue("free"), false, Runnable::run,
                CompletableFuture.completedFuture(null));
        held.ready().get(10, TimeUnit.SECONDS);
        free.ready().get(10, TimeUnit.SECONDS);
        MessageQueue heldQueue = new MessageQueue(durableQueue("held"), held.store(), held.owner(), q -> { });
        MessageQueue freeQueue = new MessageQueue(durableQueue("free"), free.store(), free.owner(), q -> { });

        PublishConfirm waiting = new PublishConfirm(1);
        heldQueue.enqueue(persistent("a"), waiting);
        PublishConfirm control = new PublishConfirm(1);
        freeQueue.enqueue(persistent("b"), control);
        // Both logs share the flusher, which syncs them in the order asked: once the later one is
        // confirmed, the first message is on disk too, and only the declaration holds its confirm.
        control.accepted().get(10, TimeUnit.SECONDS);
        assertThat(waiting.accepted()).isNotDone();

        declared.complete(null);
        waiting.accepted().get(10, TimeUnit.SECONDS);

        PublishConfirm afterwards = new PublishConfirm(1);
        heldQueue.enqueue(persistent("c"), afterwards);
        afterwards.accepted().get(10, TimeUnit.SECONDS);
        heldQueue.closeStore().join();
        freeQueue.closeStore().join();
    }

    @Test
    void shouldNackWhatANewQueueStoredIfItsDeclarationFails() throws Exception {
        storage = DiskStorage.open(dataDir, StorageSettings.DEFAULTS);
        CompletableFuture<Void> declared = new CompletableFuture<>();
        QueueStore store = storage.openQueueStore(durableQueue("doomed"), false, Runnable::run, declared);
        store.ready().get(10, TimeUnit.SECONDS);
        MessageQueue queue = new MessageQueue(durableQueue("doomed"), store.store(), store.owner(), q -> { });

        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(persistent("a"), confirm);
        declared.completeExceptionally(new IllegalStateException("metadata write failed"));

        assertThat(confirm.accepted()).failsWithin(10, TimeUnit.SECONDS);
        queue.closeStore().join();
    }
}
