package dev.ferry.store;

import static dev.ferry.store.StoreTestSupport.CHANNEL;
import static dev.ferry.store.StoreTestSupport.crashCopy;
import static dev.ferry.store.StoreTestSupport.drain;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ConsumerSpec;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.DeliveryGate;
import dev.ferry.queue.ManualQueueTimer;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueServices;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.RecordingSink;
import dev.ferry.queue.SettleOutcome;

/**
 * Paging: a queue past its memory limits keeps new messages in its log (or a spill log) and reads
 * them back in order. Real stores and logs under a {@link MessageQueue} run inline; a crash is a
 * copy of the queue's files taken while it is open.
 */
class PagingTest {
    private static final long START = 1_700_000_000_000L;
    private static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);
    private static final MessageProperties TRANSIENT = MessageProperties.EMPTY;
    private static final PagingLimits FOUR = new PagingLimits(4, 1024 * 1024);

    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final List<MessageQueue> open = new ArrayList<>();
    private final List<LogMessageStore> stores = new ArrayList<>();
    private final ManualQueueTimer timer = new ManualQueueTimer(START);
    private final List<String> deadLetters = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        for (MessageQueue queue : open) {
            queue.closeStore().join();
        }
        flusher.close();
    }

    private static LogConfig config(FsyncPolicy fsync) {
        return new LogConfig().fsyncPolicy(fsync).segmentBytesMax(64 * 1024).batchBytesMax(64 * 1024)
                .segmentDeleteDelayMs(0);
    }

    private MessageQueue durableQueue(Path directory, PagingLimits limits) {
        return queue(LogMessageStore.open(directory, config(FsyncPolicy.ALWAYS), flusher, Runnable::run, limits,
                "queue 'q'"), true, Map.of());
    }

    private MessageQueue transientQueue(Path directory, PagingLimits limits, Map<String, Object> arguments) {
        return queue(LogMessageStore.openTransient(directory, config(FsyncPolicy.NEVER), flusher, limits, "queue 't'"),
                false, arguments);
    }

    private MessageQueue queue(LogMessageStore store, boolean durable, Map<String, Object> arguments) {
        stores.add(store);
        QueueSettings settings = new QueueSettings("/", "q", durable, OptionalLong.empty(), false,
                QueueArguments.parse(arguments, "queue 'q'"));
        MessageQueue queue = new MessageQueue(settings, store, Runnable::run, q -> { },
                new QueueServices(timer, (message, reason) -> deadLetters.add(text(message.body()) + ":" + reason)));
        open.add(queue);
        return queue;
    }

    private static PublishConfirm publish(MessageQueue queue, String body, MessageProperties properties) {
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(new Message("ex", "rk." + body, properties, body.getBytes(StandardCharsets.UTF_8)), confirm);
        return confirm;
    }

    private static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    private static List<String> names(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
    }

    @Test
    void aQueueIsBackedUpAtThreeQuartersOfItsMessageLimitAndClearAgainAtHalf() {
        MessageQueue queue = transientQueue(dataDir.resolve("t"), new PagingLimits(8, 1024 * 1024), Map.of());
        LogMessageStore store = stores.get(0);
        for (int i = 0; i < 5; i++) {
            publish(queue, "m" + i, TRANSIENT);
        }
        assertThat(store.isBackedUp(false)).as("5 of 8").isFalse();
        assertThat(store.isBackedUp(true)).as("5 of 8, above half").isTrue();
        publish(queue, "m5", TRANSIENT);
        assertThat(store.isBackedUp(false)).as("6 of 8").isTrue();
        queue.get(CHANNEL, true).join();
        queue.get(CHANNEL, true).join();
        assertThat(store.isBackedUp(true)).as("4 of 8").isFalse();
        assertThat(store.pagedCount()).isZero();
    }

    @Test
    void aQueueIsBackedUpAtThreeQuartersOfItsByteLimitAndClearAgainAtHalf() {
        MessageQueue queue = transientQueue(dataDir.resolve("t"), new PagingLimits(1000, 400), Map.of());
        LogMessageStore store = stores.get(0);
        String hundredBytes = "x".repeat(99);
        publish(queue, "a" + hundredBytes, TRANSIENT);
        publish(queue, "b" + hundredBytes, TRANSIENT);
        assertThat(store.isBackedUp(false)).as("200 of 400 bytes").isFalse();
        assertThat(store.isBackedUp(true)).as("200 of 400 bytes, at half").isFalse();
        publish(queue, "c" + hundredBytes, TRANSIENT);
        assertThat(store.isBackedUp(false)).as("300 of 400 bytes").isTrue();
        assertThat(store.isBackedUp(true)).as("300 of 400 bytes, above half").isTrue();
        assertThat(store.pagedCount()).isZero();
    }

    @Test
    void aBacklogBeyondTheLimitsIsPagedOutAndComesBackInOrder() throws Exception {
        MessageQueue queue = durableQueue(dataDir.resolve("q"), FOUR);
        List<PublishConfirm> confirms = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            // Persistent and transient interleaved: both page to the durable queue's log, in queue order.
            String body = (i % 3 == 0 ? "t" : "p") + i;
            confirms.add(publish(queue, body, i % 3 == 0 ? TRANSIENT : PERSISTENT));
            expected.add(body);
        }
        for (PublishConfirm confirm : confirms) {
            confirm.accepted().get(5, TimeUnit.SECONDS);
        }
        LogMessageStore store = stores.get(0);
        assertThat(store.pagedCount()).isEqualTo(296);
        assertThat(queue.messageCount()).isEqualTo(300);

        List<Boolean> redelivered = new ArrayList<>();
        assertThat(drain(queue, redelivered)).containsExactlyElementsOf(expected);
        assertThat(redelivered).doesNotContain(true);
        assertThat(store.pagedCount()).isZero();
    }

    @Test
    void theByteLimitPagesTooAndMessagesKeepTheirProperties() throws Exception {
        MessageQueue queue = transientQueue(dataDir.resolve("t"), new PagingLimits(1000, 100), Map.of());
        MessageProperties rich = new MessageProperties("text/plain", "gzip", Map.of("k", "v", "n", 3), 1, 4, "corr",
                "reply", null, "id-1", 1_700_000_000L, "type", "guest", "app", null);
        for (int i = 0; i < 20; i++) {
            queue.enqueue(new Message("ex", "rk", rich, ("body-" + i + "-" + "x".repeat(20)).getBytes(StandardCharsets.UTF_8)),
                    null);
        }
        assertThat(stores.get(0).pagedCount()).isEqualTo(17); // three 27-byte bodies fit in 100 bytes
        for (int i = 0; i < 20; i++) {
            Delivery delivery = queue.get(CHANNEL, true).join().delivery().orElseThrow();
            assertThat(text(delivery.message().body())).isEqualTo("body-" + i + "-" + "x".repeat(20));
            assertThat(delivery.message().properties()).isEqualTo(rich);
            assertThat(delivery.message().exchange()).isEqualTo("ex");
            assertThat(delivery.message().routingKey()).isEqualTo("rk");
        }
    }

    @Test
    void afterACrashPagedPersistentMessagesComeBackAndPagedTransientCopiesDoNot() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = durableQueue(directory, FOUR);
        List<PublishConfirm> confirms = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            confirms.add(publish(queue, (i % 2 == 0 ? "p" : "t") + i, i % 2 == 0 ? PERSISTENT : TRANSIENT));
        }
        for (PublishConfirm confirm : confirms) {
            confirm.accepted().get(5, TimeUnit.SECONDS);
        }
        for (int i = 0; i < 10; i++) {
            queue.get(CHANNEL, true).join(); // delivered with auto-ack: settled
        }
        Delivery unacked = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        assertThat(text(unacked.message().body())).isEqualTo("p10");
        queue.maintainStore();

        MessageQueue recovered = durableQueue(crashCopy(directory, dataDir), FOUR);
        assertThat(stores.get(1).pagedCount()).isPositive();
        List<Boolean> redelivered = new ArrayList<>();
        List<String> expected = IntStream.range(10, 100).filter(i -> i % 2 == 0).mapToObj(i -> "p" + i).toList();
        assertThat(drain(recovered, redelivered)).containsExactlyElementsOf(expected);
        assertThat(redelivered).as("after a crash every recovered message may have been delivered").containsOnly(true);
    }

    @Test
    void recoveryPagesAroundDroppedTransientCopiesWithFewPages() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = durableQueue(directory, FOUR);
        List<PublishConfirm> confirms = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            confirms.add(publish(queue, (i % 2 == 0 ? "p" : "t") + i, i % 2 == 0 ? PERSISTENT : TRANSIENT));
        }
        for (PublishConfirm confirm : confirms) {
            confirm.accepted().get(5, TimeUnit.SECONDS);
        }
        MessageQueue recovered = durableQueue(crashCopy(directory, dataDir), FOUR);
        LogMessageStore store = stores.get(1);
        assertThat(store.pagedCount()).isEqualTo(1496);
        // Every other offset is a dropped transient copy: pages span the gaps instead of splitting.
        assertThat(store.pageCount()).isEqualTo(1);
        List<String> expected = IntStream.range(0, 3000).filter(i -> i % 2 == 0).mapToObj(i -> "p" + i).toList();
        assertThat(drain(recovered, new ArrayList<>())).containsExactlyElementsOf(expected);
    }

    @Test
    void aNonDurableQueuePagesToASpillLogThatIsRemovedOnceEverythingIsSettled() throws Exception {
        Path directory = dataDir.resolve("t");
        MessageQueue queue = transientQueue(directory, FOUR, Map.of());
        publish(queue, "a", TRANSIENT);
        assertThat(directory).as("no spill log while within the limits").doesNotExist();
        for (String body : names("m", 50)) {
            publish(queue, body, PERSISTENT); // persistent, but the queue is not durable
        }
        assertThat(directory).isDirectory();
        List<String> expected = new ArrayList<>(List.of("a"));
        expected.addAll(names("m", 50));
        assertThat(drain(queue, new ArrayList<>())).containsExactlyElementsOf(expected);
        queue.maintainStore();
        assertThat(directory).doesNotExist();

        // It pages again when needed, into a fresh spill log.
        for (String body : names("n", 20)) {
            publish(queue, body, TRANSIENT);
        }
        assertThat(directory).isDirectory();
        assertThat(drain(queue, new ArrayList<>())).containsExactlyElementsOf(names("n", 20));
    }

    /** A non-durable queue with priorities 0 to 5 (x-max-priority 5), paging to a spill log. */
    private MessageQueue priorityQueue(PagingLimits limits) {
        return queue(LogMessageStore.openTransient(dataDir.resolve("t"), config(FsyncPolicy.NEVER), flusher,
                FileHandleCache.processDefault(), limits, "queue 't'", 5), false,
                Map.of("x-max-priority", 5));
    }

    private static MessageProperties priority(int priority) {
        return new MessageProperties(null, null, null, 1, priority, null, null, null, null, null, null, null, null,
                null);
    }

    private static String first(MessageQueue queue) {
        return StoreTestSupport.body(queue.get(CHANNEL, true).join().delivery().orElseThrow());
    }

    @Test
    void pagedMessagesAboveEveryLevelInMemoryComeBackUpToTheMessageLimitCountedForThemAlone() {
        MessageQueue queue = priorityQueue(FOUR);
        LogMessageStore store = stores.get(0);
        for (String body : names("low", 4)) {
            publish(queue, body, priority(0));
        }
        for (String body : names("high", 8)) {
            publish(queue, body, priority(5));
        }
        assertThat(store.pagedCount()).isEqualTo(8);
        assertThat(first(queue)).isEqualTo("high0");
        // Four read (the limit for the high level alone, and half of the eight then in memory):
        // three wait in memory, four stay on disk.
        assertThat(store.pagedCount()).isEqualTo(4);
        List<String> rest = new ArrayList<>(names("high", 8).subList(1, 8));
        rest.addAll(names("low", 4));
        assertThat(drain(queue, new ArrayList<>())).containsExactlyElementsOf(rest);
    }

    @Test
    void pagedMessagesAboveMemoryComeBackOnlyUntilTheWholeMemoryHoldsTwiceTheByteLimit() {
        MessageQueue queue = priorityQueue(new PagingLimits(100, 1000));
        LogMessageStore store = stores.get(0);
        publish(queue, "low" + "x".repeat(1897), priority(0)); // 1,900 bytes: alone in memory
        List<String> high = IntStream.range(0, 10).mapToObj(i -> "high" + i + "y".repeat(94)).toList(); // 100 bytes
        for (String body : high) {
            publish(queue, body, priority(5));
        }
        assertThat(store.pagedCount()).isEqualTo(10);
        assertThat(first(queue)).isEqualTo(high.get(0));
        // 1,900 + 2 x 100 bytes is over twice the 1,000-byte limit: two read, eight stay on disk,
        // although the high level's own 200 bytes are well within the limit.
        assertThat(store.pagedCount()).isEqualTo(8);
    }

    @Test
    void aPagedMessageAboveMemoryIsReadBackEvenWhenMemoryIsOverTwiceTheLimitAlready() {
        MessageQueue queue = priorityQueue(new PagingLimits(100, 1000));
        LogMessageStore store = stores.get(0);
        publish(queue, "low" + "x".repeat(2097), priority(0)); // 2,100 bytes
        for (String body : names("high", 3)) {
            publish(queue, body, priority(5));
        }
        assertThat(store.pagedCount()).isEqualTo(3);
        assertThat(first(queue)).as("a higher priority is never overtaken").isEqualTo("high0");
        assertThat(store.pagedCount()).as("one read at a time").isEqualTo(2);
        assertThat(first(queue)).isEqualTo("high1");
        assertThat(first(queue)).isEqualTo("high2");
        assertThat(store.pagedCount()).isZero();
    }

    @Test
    void readyBytesCountPagedOutMessagesOfEveryLevel() {
        MessageQueue queue = priorityQueue(FOUR);
        LogMessageStore store = stores.get(0);
        for (String body : names("low", 6)) { // 4 bytes each: two paged out at level 0
            publish(queue, body, priority(0));
        }
        for (String body : names("hi", 3)) { // 3 bytes each: all paged out at level 5
            publish(queue, body, priority(5));
        }
        assertThat(store.pagedCount()).isEqualTo(5);
        assertThat(store.readyCount()).isEqualTo(9);
        assertThat(store.readyBytes()).isEqualTo(6 * 4 + 3 * 3);
    }

    @Test
    void requeuedMessagesGoBackAheadOfPagedOnes() throws Exception {
        MessageQueue queue = transientQueue(dataDir.resolve("t"), FOUR, Map.of());
        for (String body : names("m", 20)) {
            publish(queue, body, TRANSIENT);
        }
        long[] ids = new long[3];
        for (int i = 0; i < 3; i++) {
            ids[i] = queue.get(CHANNEL, false).join().delivery().orElseThrow().deliveryId();
        }
        queue.settle(CHANNEL, ids, SettleOutcome.REQUEUE);
        List<Boolean> redelivered = new ArrayList<>();
        assertThat(drain(queue, redelivered)).containsExactlyElementsOf(names("m", 20));
        assertThat(redelivered.subList(0, 3)).containsOnly(true);
        assertThat(redelivered.subList(3, 20)).containsOnly(false);
    }

    @Test
    void pagedMessagesExpireWhereTheyLieWithNoConsumer() {
        Map<String, Object> dlx = Map.of("x-dead-letter-exchange", "dlx");
        MessageQueue queue = transientQueue(dataDir.resolve("t"), FOUR, dlx);
        for (String body : names("a", 10)) {
            publish(queue, body, TRANSIENT);
        }
        for (String body : names("e", 5)) {
            publish(queue, body, TRANSIENT.withExpiration("1000"));
        }
        for (String body : names("b", 10)) {
            publish(queue, body, TRANSIENT);
        }
        assertThat(stores.get(0).pagedCount()).isEqualTo(21);

        timer.advance(1500);
        assertThat(deadLetters).containsExactly("e0:EXPIRED", "e1:EXPIRED", "e2:EXPIRED", "e3:EXPIRED", "e4:EXPIRED");
        assertThat(queue.messageCount()).isEqualTo(20);
        List<String> expected = new ArrayList<>(names("a", 10));
        expected.addAll(names("b", 10));
        assertThat(drain(queue, new ArrayList<>())).containsExactlyElementsOf(expected);
    }

    @Test
    void expiredMessagesAtTheHeadOfAPageDoNotStrandTheRestWhenTheirSegmentsAreDeleted() {
        MessageQueue queue = transientQueue(dataDir.resolve("t"), FOUR, Map.of());
        for (String body : names("e", 1000)) {
            publish(queue, body, TRANSIENT.withExpiration("1000"));
        }
        for (String body : names("k", 1000)) {
            publish(queue, body, TRANSIENT);
        }
        timer.advance(1500);       // the paged e's expire where they lie: their offsets are settled
        queue.maintainStore();     // and the spill log's segments holding only them are deleted
        assertThat(queue.messageCount()).isEqualTo(1000);
        assertThat(drain(queue, new ArrayList<>())).containsExactlyElementsOf(names("k", 1000));
    }

    @Test
    void aQueueWideTtlExpiresTheWholePagedBacklog() {
        MessageQueue queue = transientQueue(dataDir.resolve("t"), FOUR,
                Map.of("x-dead-letter-exchange", "dlx", "x-message-ttl", 500));
        for (String body : names("m", 30)) {
            publish(queue, body, TRANSIENT);
        }
        timer.advance(600);
        assertThat(deadLetters).hasSize(30).first().isEqualTo("m0:EXPIRED");
        assertThat(queue.messageCount()).isZero();
        assertThat(drain(queue, new ArrayList<>())).isEmpty();
    }

    @Test
    void aPurgeSettlesPagedMessagesForGood() throws Exception {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = durableQueue(directory, FOUR);
        List<PublishConfirm> confirms = new ArrayList<>();
        for (String body : names("p", 50)) {
            confirms.add(publish(queue, body, PERSISTENT));
        }
        for (PublishConfirm confirm : confirms) {
            confirm.accepted().get(5, TimeUnit.SECONDS);
        }
        assertThat(queue.purge().join()).isEqualTo(50);
        queue.maintainStore();
        assertThat(drain(durableQueue(crashCopy(directory, dataDir), FOUR), new ArrayList<>())).isEmpty();
    }

    @Test
    void dropHeadReachesIntoThePagedBacklog() {
        MessageQueue queue = transientQueue(dataDir.resolve("t"), FOUR,
                Map.of("x-dead-letter-exchange", "dlx", "x-max-length", 10));
        for (String body : names("m", 30)) {
            publish(queue, body, TRANSIENT);
        }
        assertThat(queue.messageCount()).isEqualTo(10);
        assertThat(deadLetters).hasSize(20).first().isEqualTo("m0:MAXLEN");
        assertThat(drain(queue, new ArrayList<>())).containsExactlyElementsOf(names("m", 30).subList(20, 30));
    }

    @Test
    void aQueueWhoseConsumerFallsBehindIsCongestedUntilItCatchesUp() {
        MessageQueue queue = transientQueue(dataDir.resolve("t"), new PagingLimits(8, 1024 * 1024), Map.of());
        RecordingSink consumer = new RecordingSink();
        queue.consume(new ConsumerSpec(CHANNEL, "slow", false, false, 1, null, 0, consumer)).join();
        for (String body : names("m", 6)) {
            publish(queue, body, TRANSIENT);
        }
        // One delivered (prefetch 1), five waiting: under three quarters of 8.
        assertThat(queue.congestion()).isNull();
        publish(queue, "m6", TRANSIENT);
        CompletableFuture<Void> congestion = queue.congestion();
        assertThat(congestion).as("six waiting of 8 while the consumer is taking messages").isNotNull();
        // Flow control spares the consumer's own connection (its acks must keep coming).
        assertThat(queue.hasConsumerOn(CHANNEL.connectionId())).isTrue();
        assertThat(queue.hasConsumerOn(CHANNEL.connectionId() + 1)).isFalse();

        // The consumer catches up to half the limit: publishers may go on.
        for (int i = 0; i < 2; i++) {
            assertThat(congestion).isNotDone();
            queue.settle(CHANNEL, new long[] {consumer.last().deliveryId()}, SettleOutcome.ACK);
        }
        assertThat(queue.messageCount()).isEqualTo(4);
        assertThat(congestion).isDone();
        assertThat(queue.congestion()).isNull();
    }

    @Test
    void aBacklogNobodyConsumesIsNeverCongestedNorIsOneWhoseConsumerStopped() {
        MessageQueue queue = transientQueue(dataDir.resolve("t"), FOUR, Map.of());
        for (String body : names("m", 50)) {
            publish(queue, body, TRANSIENT);
        }
        assertThat(queue.congestion()).as("no consumer: the backlog pages and publishers carry on").isNull();

        DeliveryGate shut = new DeliveryGate();
        shut.close();
        queue.consume(new ConsumerSpec(CHANNEL, "never-served", false, false, 1, null, 0, new RecordingSink(), shut))
                .join();
        publish(queue, "w", TRANSIENT);
        assertThat(queue.congestion()).as("a consumer that never received anything is not taking messages").isNull();
        queue.cancel(CHANNEL, "never-served").join();
        assertThat(queue.hasConsumerOn(CHANNEL.connectionId())).isFalse();

        RecordingSink stuck = new RecordingSink();
        queue.consume(new ConsumerSpec(CHANNEL, "stuck", false, false, 1, null, 0, stuck)).join();
        publish(queue, "x", TRANSIENT);
        assertThat(queue.congestion()).isNotNull();
        timer.advance(1001); // the consumer never acks: after a second it no longer counts
        publish(queue, "y", TRANSIENT);
        assertThat(queue.congestion()).isNull();
    }

    @Test
    void queuesHoldingTheBrokerWideBudgetPageNewMessagesAndReadThemBackAsItFrees() {
        // Room for about ten two-byte messages in all queues together.
        ReadyMemoryBudget budget = new ReadyMemoryBudget(10 * (ReadyMemoryBudget.MESSAGE_OVERHEAD_BYTES + 2));
        PagingLimits limits = new PagingLimits(1000, 1024 * 1024).within(budget);
        MessageQueue first = transientQueue(dataDir.resolve("a"), limits, Map.of());
        MessageQueue second = transientQueue(dataDir.resolve("b"), limits, Map.of());
        List<String> firstBodies = names("a", 20).stream().map(name -> name.substring(0, 2)).toList();
        for (int i = 0; i < 20; i++) {
            publish(first, firstBodies.get(i), TRANSIENT);
        }
        assertThat(stores.get(0).pagedCount()).as("the eleventh spends the budget: the rest is paged").isEqualTo(9);
        assertThat(budget.usedBytes()).isEqualTo(11 * (ReadyMemoryBudget.MESSAGE_OVERHEAD_BYTES + 2));
        for (int i = 0; i < 5; i++) {
            publish(second, "b" + i, TRANSIENT);
        }
        assertThat(stores.get(1).pagedCount()).as("a queue holding none still takes one into memory").isEqualTo(4);
        assertThat(budget.spent()).isTrue();

        assertThat(drain(first, new ArrayList<>())).containsExactlyElementsOf(firstBodies);
        assertThat(stores.get(0).pagedCount()).isZero();
        assertThat(budget.usedBytes()).as("only the second queue's one").isEqualTo(ReadyMemoryBudget.MESSAGE_OVERHEAD_BYTES + 2);
        assertThat(drain(second, new ArrayList<>())).containsExactly("b0", "b1", "b2", "b3", "b4");
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void aQueueWithMessagesInMemoryReadsNoMoreBackWhileTheBudgetIsSpent() {
        ReadyMemoryBudget budget = new ReadyMemoryBudget(4 * (ReadyMemoryBudget.MESSAGE_OVERHEAD_BYTES + 2));
        PagingLimits limits = new PagingLimits(4, 1024 * 1024).within(budget);
        MessageQueue paging = transientQueue(dataDir.resolve("a"), limits, Map.of());
        for (int i = 0; i < 10; i++) {
            publish(paging, "a" + i, TRANSIENT);
        }
        assertThat(stores.get(0).pagedCount()).isEqualTo(6);
        MessageQueue other = transientQueue(dataDir.resolve("b"), limits, Map.of());
        publish(other, "b0", TRANSIENT);
        publish(other, "b1", TRANSIENT);
        assertThat(budget.spent()).isTrue();

        // Down to half its own limits: it would read a page back, but the budget is spent.
        paging.get(CHANNEL, true).join();
        paging.get(CHANNEL, true).join();
        assertThat(stores.get(0).pagedCount()).isEqualTo(6);
        assertThat(drain(other, new ArrayList<>())).containsExactly("b0", "b1");
        paging.get(CHANNEL, true).join();
        assertThat(stores.get(0).pagedCount()).as("read back once the budget has room").isLessThan(6);
        assertThat(drain(paging, new ArrayList<>())).containsExactlyElementsOf(names("a", 10).subList(3, 10));
    }

    @Test
    void aClosedOrDeletedQueueGivesItsPartOfTheBudgetBack() {
        ReadyMemoryBudget budget = new ReadyMemoryBudget(1024 * 1024);
        PagingLimits limits = new PagingLimits(1000, 1024 * 1024).within(budget);
        MessageQueue closing = transientQueue(dataDir.resolve("a"), limits, Map.of());
        MessageQueue deleting = transientQueue(dataDir.resolve("b"), limits, Map.of());
        publish(closing, "a0", TRANSIENT);
        publish(deleting, "b0", TRANSIENT);
        publish(deleting, "b1", TRANSIENT);
        assertThat(budget.usedBytes()).isEqualTo(3 * (ReadyMemoryBudget.MESSAGE_OVERHEAD_BYTES + 2));
        closing.closeStore().join();
        assertThat(budget.usedBytes()).isEqualTo(2 * (ReadyMemoryBudget.MESSAGE_OVERHEAD_BYTES + 2));
        stores.get(1).deleted();
        assertThat(budget.usedBytes()).isZero();
    }
}
