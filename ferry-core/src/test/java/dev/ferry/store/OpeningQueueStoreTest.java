package dev.ferry.store;

import static dev.ferry.store.StoreTestSupport.CHANNEL;
import static dev.ferry.store.StoreTestSupport.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.ferry.broker.QueueStore;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.MessageStore;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueCounts;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.QueuedMessage;
import dev.ferry.queue.SettleOutcome;

/**
 * A new durable queue's store while and after its files are created ({@link OpeningQueueStore}):
 * the queue built on it works on the log opened for it in every respect (counts, paging, expiry,
 * acks, requeues, checkpoints, deletion, a clean close), whether the queue was built before or
 * after the files existed; when they cannot be created, every publish is nacked.
 */
class OpeningQueueStoreTest {
    /** Two messages in memory: the rest of a backlog waits on disk. */
    private static final PagingLimits TWO_IN_MEMORY = new PagingLimits(2, 1 << 20);
    /** Eight messages in memory: an empty queue is not backed up. */
    private static final PagingLimits EIGHT_IN_MEMORY = new PagingLimits(8, 1 << 20);

    @TempDir
    Path dataDir;
    private DiskStorage storage;
    private final List<MessageQueue> queues = new ArrayList<>();
    private final LogFlusher flusher = new LogFlusher("test-flusher");

    @AfterEach
    void closeEverything() {
        for (MessageQueue queue : queues) {
            queue.closeStore().handle((ok, error) -> null).join();
        }
        if (storage != null) {
            storage.close();
        }
        flusher.close();
    }

    private void openStorage(PagingLimits paging) {
        // Checkpoints only when a test asks (maintainStore): the interval is far longer than a test.
        storage = DiskStorage.open(dataDir, new StorageSettings(FsyncPolicy.ALWAYS, 1000, 60_000, 1 << 20, paging));
    }

    private static QueueSettings durable(String name, Map<String, Object> arguments) {
        return new QueueSettings("/", name, true, OptionalLong.empty(), false,
                QueueArguments.parse(arguments, "queue '" + name + "'"));
    }

    private QueueStore newQueueStore(QueueSettings settings) {
        return storage.openQueueStore(settings, false, Runnable::run, CompletableFuture.completedFuture(null));
    }

    /** A queue on a new store whose files are open already. */
    private MessageQueue queueOnOpenedStore(QueueSettings settings) throws Exception {
        QueueStore opened = newQueueStore(settings);
        opened.ready().get(10, TimeUnit.SECONDS);
        return queueOn(settings, opened);
    }

    private MessageQueue queueOn(QueueSettings settings, QueueStore store) {
        MessageQueue queue = new MessageQueue(settings, store.store(), store.owner(), q -> { });
        queues.add(queue);
        return queue;
    }

    /** Keeps every queue-file thread busy until the latch is counted down, so a new queue's files wait. */
    private CountDownLatch holdQueueFileThreads() throws InterruptedException {
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
        return release;
    }

    /** A new queue's store, its queue built while the files are held back, or once they exist. */
    private QueueStore openWithQueueBuilt(QueueSettings settings, boolean beforeOpen) throws Exception {
        CountDownLatch release = beforeOpen ? holdQueueFileThreads() : new CountDownLatch(0);
        QueueStore opening = newQueueStore(settings);
        if (!beforeOpen) {
            opening.ready().get(10, TimeUnit.SECONDS);
        }
        queueOn(settings, opening);
        release.countDown();
        opening.ready().get(10, TimeUnit.SECONDS);
        return opening;
    }

    private static PublishConfirm publish(MessageQueue queue, String body) {
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(new Message("", "q", StoreKind.PERSISTENT, body.getBytes(StandardCharsets.UTF_8)), confirm);
        return confirm;
    }

    private static void publishAll(MessageQueue queue, String... bodies) {
        List<PublishConfirm> confirms = new ArrayList<>();
        for (String body : bodies) {
            confirms.add(publish(queue, body));
        }
        confirms.forEach(confirm -> assertThat(confirm.accepted()).succeedsWithin(Duration.ofSeconds(10)));
    }

    private static Delivery get(MessageQueue queue, boolean noAck) {
        return queue.get(CHANNEL, noAck).join().delivery().orElseThrow();
    }

    @Test
    void shouldAnswerForTheLogOpenedForIt() throws Exception {
        openStorage(EIGHT_IN_MEMORY);
        QueueSettings settings = durable("q", Map.of());
        QueueStore opened = newQueueStore(settings);
        opened.ready().get(10, TimeUnit.SECONDS);
        MessageStore store = opened.store();
        assertThat(store.toString()).isEqualTo("LogMessageStore[queue 'q' in vhost '/']");
        assertThat(store.isBackedUp(false)).as("an empty queue").isFalse();
        assertThat(store.nextPagedExpiry()).as("nothing paged").isEqualTo(Long.MAX_VALUE);

        MessageQueue queue = queueOn(settings, opened);
        publishAll(queue, "0123456789", "1", "2", "3", "4", "5", "6", "7", "8", "9");

        assertThat(store.readyCount()).isEqualTo(10);
        assertThat(store.readyBytes()).as("the bytes of those in memory").isPositive();
        assertThat(store.isBackedUp(false)).as("two messages paged out").isTrue();
        assertThat(queue.purge().join()).isEqualTo(10);
        assertThat(queue.counts().join().messageCount()).isZero();
    }

    @Test
    void shouldNameItselfUntilItsFilesExist() throws Exception {
        openStorage(PagingLimits.DEFAULTS);
        CountDownLatch release = holdQueueFileThreads();
        QueueStore opening = newQueueStore(durable("q", Map.of()));

        assertThat(opening.store().toString()).isEqualTo("OpeningQueueStore[not open yet]");
        release.countDown();
        opening.ready().get(10, TimeUnit.SECONDS);
        assertThat(opening.store().toString()).startsWith("LogMessageStore[");
        opening.store().close();
    }

    @Test
    void shouldKeepWhatTheQueueAckedAndRequeuedAcrossACleanRestart() throws Exception {
        openStorage(PagingLimits.DEFAULTS);
        QueueSettings settings = durable("q", Map.of());
        MessageQueue queue = queueOnOpenedStore(settings);
        publishAll(queue, "acked", "requeued", "untouched");
        Delivery acked = get(queue, false);
        Delivery requeued = get(queue, false);
        queue.settle(CHANNEL, acked.deliveryId(), SettleOutcome.ACK);
        queue.settle(CHANNEL, requeued.deliveryId(), SettleOutcome.REQUEUE);
        queue.closeStore().get(10, TimeUnit.SECONDS);
        queues.remove(queue);
        storage.close();

        openStorage(PagingLimits.DEFAULTS);
        QueueStore recovered = storage.openQueueStore(settings, true, Runnable::run, CompletableFuture.completedFuture(null));
        MessageQueue reopened = queueOn(settings, recovered);
        Delivery first = get(reopened, true);
        Delivery second = get(reopened, true);
        assertThat(body(first)).isEqualTo("requeued");
        assertThat(first.deliveryCount()).as("delivered once before the restart").isEqualTo(2);
        assertThat(body(second)).isEqualTo("untouched");
        assertThat(reopened.get(CHANNEL, true).join().isEmpty()).as("the acked message stays gone").isTrue();
    }

    @Test
    void shouldCheckpointAcksWhenTheQueueMaintainsItsStore() throws Exception {
        openStorage(PagingLimits.DEFAULTS);
        QueueSettings settings = durable("q", Map.of());
        MessageQueue queue = queueOnOpenedStore(settings);
        publishAll(queue, "a", "b", "c");
        get(queue, true);
        get(queue, true);

        queue.maintainStore(); // the checkpoint is written on the storage's maintenance thread

        Path directory = StorageFiles.queueDirectory(dataDir, "/", "q");
        await().atMost(Duration.ofSeconds(5)).until(() -> recoveredFromCrashCopy(directory) == 1);
    }

    private int recoveredFromCrashCopy(Path directory) throws Exception {
        Path copy = StoreTestSupport.crashCopy(directory, dataDir);
        LogMessageStore recovered = LogMessageStore.open(copy, new dev.ferry.log.LogConfig(), storage.flusher(),
                Runnable::run, PagingLimits.DEFAULTS, "queue 'q' (crash copy)");
        try {
            return recovered.readyCount();
        } finally {
            recovered.close();
        }
    }

    @Test
    void shouldDeleteTheQueuesFilesWithTheQueue() throws Exception {
        openStorage(PagingLimits.DEFAULTS);
        QueueSettings settings = durable("q", Map.of());
        MessageQueue queue = queueOnOpenedStore(settings);
        publishAll(queue, "a");
        Path directory = StorageFiles.queueDirectory(dataDir, "/", "q");
        assertThat(directory).isDirectory();

        assertThat(queue.delete(false, false).join()).isEqualTo(1);

        assertThat(directory).doesNotExist();
    }

    /**
     * The messages in memory expire through the queue's expiry index, those paged out through the
     * store, and one paged in meanwhile through the index again, which the store tells of it.
     */
    @ParameterizedTest(name = "queue built before its files exist: {0}")
    @ValueSource(booleans = {true, false})
    void shouldExpireMessagesInMemoryPagedOutAndPagedIn(boolean builtBeforeOpen) throws Exception {
        openStorage(TWO_IN_MEMORY);
        QueueSettings settings = durable("q", Map.of("x-message-ttl", 300));
        QueueStore opening = openWithQueueBuilt(settings, builtBeforeOpen);
        MessageQueue queue = queues.get(queues.size() - 1);
        publishAll(queue, "taken", "1", "2", "3", "4", "5");
        assertThat(opening.store().nextPagedExpiry()).as("the first paged message's deadline")
                .isGreaterThan(System.currentTimeMillis() - 1000).isLessThan(Long.MAX_VALUE);

        assertThat(body(get(queue, true))).isEqualTo("taken"); // makes room: a paged message comes in

        await().atMost(Duration.ofSeconds(5)).until(() -> queue.counts().join().messageCount() == 0);
        assertThat(opening.store().readyCount()).isZero();
    }

    @Test
    void shouldConfirmADuplicateOnceItsOriginalIsStored() throws Exception {
        openStorage(PagingLimits.DEFAULTS);
        QueueSettings settings = durable("q", Map.of("x-message-deduplication", true));
        CountDownLatch release = holdQueueFileThreads();
        QueueStore opening = newQueueStore(settings);
        MessageQueue queue = queueOn(settings, opening);
        release.countDown();
        opening.ready().get(10, TimeUnit.SECONDS);

        PublishConfirm original = publishWithId(queue, "a");
        PublishConfirm duplicate = publishWithId(queue, "a");

        assertThat(original.accepted()).succeedsWithin(Duration.ofSeconds(10));
        assertThat(duplicate.accepted()).succeedsWithin(Duration.ofSeconds(10));
        assertThat(queue.counts().join().messageCount()).isEqualTo(1);
    }

    /**
     * The store trims its deduplication journal by the queue's window, which reaches it through
     * this store whether the queue was built before its files existed or after.
     */
    @ParameterizedTest(name = "queue built before its files exist: {0}")
    @ValueSource(booleans = {true, false})
    void shouldDeleteJournalSegmentsWhoseIdsLeftTheQueuesWindow(boolean builtBeforeOpen) throws Exception {
        // 8 KiB segments: the journal's too, about 130 ids each.
        storage = DiskStorage.open(dataDir, new StorageSettings(FsyncPolicy.ALWAYS, 1000, 60_000, 8 * 1024,
                PagingLimits.DEFAULTS));
        QueueSettings settings = durable("q", Map.of("x-message-deduplication", true, "x-cache-size", 10));
        QueueStore opening = openWithQueueBuilt(settings, builtBeforeOpen);
        MessageQueue queue = queues.get(queues.size() - 1);
        List<PublishConfirm> confirms = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            confirms.add(publishWithId(queue, "payment-" + i));
        }
        confirms.forEach(confirm -> assertThat(confirm.accepted()).succeedsWithin(Duration.ofSeconds(10)));
        Path journal = StorageFiles.queueDirectory(dataDir, "/", "q").resolve(DeduplicationJournal.DIRECTORY);
        assertThat(journalSegments(journal)).isGreaterThanOrEqualTo(4);

        queue.maintainStore();

        assertThat(journalSegments(journal)).as("only the segments holding the last 10 ids").isLessThanOrEqualTo(2);
    }

    private static long journalSegments(Path journal) throws java.io.IOException {
        try (var files = Files.list(journal)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".log")).count();
        }
    }

    private static PublishConfirm publishWithId(MessageQueue queue, String id) {
        var properties = new dev.ferry.message.MessageProperties(null, null, null, 2, -1, null, null, null, id, null,
                null, null, null, null);
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(new Message("", "q", properties, id.getBytes(StandardCharsets.UTF_8)), confirm);
        return confirm;
    }

    @Test
    void shouldNackEveryPublishWhenTheQueuesFilesCannotBeCreated() throws Exception {
        openStorage(PagingLimits.DEFAULTS);
        Files.createDirectories(dataDir.resolve(StorageFiles.QUEUES_DIRECTORY));
        Files.writeString(dataDir.resolve(StorageFiles.QUEUES_DIRECTORY).resolve("%2F"), "not a directory");
        QueueSettings settings = durable("q", Map.of());
        CountDownLatch release = holdQueueFileThreads();
        QueueStore opening = newQueueStore(settings);
        MessageQueue queue = queueOn(settings, opening);
        PublishConfirm early = publish(queue, "while opening");
        CompletableFuture<QueueCounts> counts = queue.counts();

        release.countDown();

        assertThat(opening.ready()).failsWithin(Duration.ofSeconds(10));
        assertThat(early.accepted()).failsWithin(Duration.ofSeconds(10));
        assertThat(counts).as("the work held while opening runs").succeedsWithin(Duration.ofSeconds(10));
        PublishConfirm late = publish(queue, "after the failure");
        assertThat(late.accepted()).failsWithin(Duration.ofSeconds(10));
        // The queue runs on in memory until its virtual host deletes it: it holds what it was sent.
        assertThat(body(get(queue, true))).isEqualTo("while opening");
        assertThat(body(get(queue, true))).isEqualTo("after the failure");
    }

    /** A store for a queue directory that already holds {@code count} persistent messages, as a recovery opens it. */
    private LogMessageStore storeWithMessages(Path directory, int count, PagingLimits limits) {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(1 << 20).batchBytesMax(1 << 20);
        try (LogFlusher setup = new LogFlusher("setup-flusher")) {
            LogMessageStore store = LogMessageStore.open(directory, config, setup, Runnable::run, limits, "queue 'q'");
            for (int i = 0; i < count; i++) {
                PublishConfirm confirm = new PublishConfirm(1);
                store.append(new QueuedMessage(i, new Message("", "q", StoreKind.PERSISTENT,
                        ("m" + i).getBytes(StandardCharsets.UTF_8))), confirm);
            }
            store.endOfDrain();
            store.close();
        }
        return LogMessageStore.open(directory, config, flusher, Runnable::run, limits, "queue 'q'");
    }

    @Test
    void shouldHandOnWhatTheStoreOpenedForItRecoveredAndItsReadyMessages() {
        OpeningQueueStore opening = new OpeningQueueStore(Runnable::run);
        LogMessageStore store = storeWithMessages(dataDir.resolve("q"), 3, PagingLimits.DEFAULTS);
        assertThat(opening.recovered()).as("nothing before it opens").isEmpty();
        assertThat(opening.firstFreeSequence()).isZero();

        opening.opened(store);

        List<QueuedMessage> recovered = opening.recovered();
        assertThat(recovered).extracting(m -> new String(m.message().body(), StandardCharsets.UTF_8))
                .containsExactly("m0", "m1", "m2");
        assertThat(opening.firstFreeSequence()).isEqualTo(store.firstFreeSequence()).isPositive();
        assertThat(opening.readyCount()).isEqualTo(3);
        QueuedMessage head = opening.pollReady();
        assertThat(opening.readyCount()).isEqualTo(2);
        opening.returnToReady(head);
        assertThat(opening.readyCount()).as("given back").isEqualTo(3);
        QueuedMessage last = recovered.get(2);
        assertThat(opening.removeReady(last)).isTrue();
        assertThat(opening.readyCount()).isEqualTo(2);
        opening.close();
    }

    @ParameterizedTest(name = "listener set before the store opened: {0}")
    @ValueSource(booleans = {true, false})
    void shouldTellItsListenerOfEveryMessagePagedIn(boolean beforeOpen) {
        OpeningQueueStore opening = new OpeningQueueStore(Runnable::run);
        LogMessageStore store = storeWithMessages(dataDir.resolve("q"), 6, new PagingLimits(2, 1 << 20));
        List<QueuedMessage> pagedIn = new ArrayList<>();
        if (beforeOpen) {
            opening.setPagedInListener(pagedIn::add);
        }
        opening.opened(store);
        if (!beforeOpen) {
            opening.setPagedInListener(pagedIn::add);
        }
        opening.recovered();

        List<String> taken = new ArrayList<>();
        QueuedMessage next;
        while ((next = opening.pollReady()) != null) {
            taken.add(new String(next.message().body(), StandardCharsets.UTF_8));
            opening.settle(next);
        }

        assertThat(taken).containsExactly("m0", "m1", "m2", "m3", "m4", "m5");
        assertThat(pagedIn).as("the messages read back from disk").isNotEmpty();
        opening.close();
    }
}
