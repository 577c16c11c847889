package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.stats.MessageCounter;
import dev.ferry.store.StoreFixture;
import dev.ferry.store.StoreKind;

/**
 * Dead-lettering, TTLs, length limits, the delivery limit and retry delays of one queue, with
 * commands run inline and time moved by hand, so every assertion sees a settled state.
 */
class DeadLetteringTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);
    private static final long START = 1_700_000_000_000L;

    private record DeadLetter(Message message, DeathReason reason) {
    }

    @TempDir
    Path directory;
    private final ManualQueueTimer timer = new ManualQueueTimer(START);
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final List<MessageQueue> deleted = new ArrayList<>();
    private StoreFixture stores;
    private MessageQueue queue;
    private String lastTag;

    /** Every test runs once per store: in memory, on a durable log, on a spill log that pages nearly everything. */
    private void use(StoreKind kind) {
        stores = kind.fixture(directory);
    }

    @AfterEach
    void closeStores() {
        stores.close();
    }

    private MessageQueue newQueue(Map<String, Object> arguments) {
        QueueSettings settings = new QueueSettings("/", "q", stores.kind().durable(), OptionalLong.empty(), false,
                QueueArguments.parse(arguments, "queue 'q' in vhost '/'"));
        queue = new MessageQueue(settings, stores.newStore(), Runnable::run, deleted::add,
                new QueueServices(timer, (message, reason) -> deadLetters.add(new DeadLetter(message, reason))));
        return queue;
    }

    /** The store settled every message the queue gave up on; {@code stillHeld} are left. */
    private void assertSettled(int stillHeld) {
        stores.assertSettled(queue, stillHeld);
    }

    private static Map<String, Object> withDlx(Object... more) {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("x-dead-letter-exchange", "dlx");
        for (int i = 0; i < more.length; i += 2) {
            arguments.put((String) more[i], more[i + 1]);
        }
        return arguments;
    }

    private static Message message(String body, String expiration) {
        MessageProperties properties = StoreKind.PERSISTENT.withExpiration(expiration);
        return new Message("orders", "new", properties, body.getBytes(StandardCharsets.UTF_8));
    }

    private void publish(String... bodies) {
        for (String body : bodies) {
            queue.enqueue(message(body, null), null);
        }
    }

    private RecordingSink consume(int prefetch) {
        RecordingSink sink = new RecordingSink();
        lastTag = "c" + System.nanoTime();
        queue.consume(new ConsumerSpec(CHANNEL, lastTag, false, false, prefetch, null, 0, sink)).join();
        return sink;
    }

    private List<String> deadBodies() {
        return deadLetters.stream().map(d -> new String(d.message().body(), StandardCharsets.UTF_8)).toList();
    }

    private List<DeathReason> deadReasons() {
        return deadLetters.stream().map(DeadLetter::reason).toList();
    }

    private List<String> drainWithGet() {
        return QueueGets.drainWithGet(queue, CHANNEL);
    }

    /** The body of the next message, taken no-ack. */
    private String drainOneWithGet() {
        Message taken = queue.get(CHANNEL, true).join().delivery().orElseThrow().message();
        return new String(taken.body(), StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> xDeath(Message message) {
        return (List<Map<String, Object>>) message.properties().headers().get("x-death");
    }

    // ---- rejected

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDeadLetterARejectedMessageWithItsDeathRecorded(StoreKind store) {
        use(store);
        newQueue(withDlx());
        queue.enqueue(message("a", "60000"), null);
        RecordingSink sink = consume(0);
        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.DISCARD);

        assertThat(deadReasons()).containsExactly(DeathReason.REJECTED);
        Message dead = deadLetters.get(0).message();
        assertThat(dead.exchange()).isEqualTo("dlx");
        assertThat(dead.routingKey()).as("no x-dead-letter-routing-key: its own key").isEqualTo("new");
        assertThat(dead.properties().expiration()).as("per-message TTL removed").isNull();
        assertThat(xDeath(dead)).singleElement().satisfies(death -> {
            assertThat(death).containsEntry("count", 1L).containsEntry("reason", "rejected")
                    .containsEntry("queue", "q").containsEntry("exchange", "orders")
                    .containsEntry("routing-keys", List.of("new"))
                    .containsEntry("original-expiration", "60000")
                    .containsEntry("time", new Date(START));
        });
        assertThat(dead.properties().headers()).containsEntry("x-first-death-reason", "rejected")
                .containsEntry("x-first-death-queue", "q").containsEntry("x-first-death-exchange", "orders");
        assertThat(queue.messageCount()).isZero();
        assertThat(queue.unackedCount()).isZero();
        assertThat(queue.messageStats()[MessageCounter.DEAD_LETTERED.ordinal()]).as("dead_lettered").isEqualTo(1);
        assertSettled(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDropARejectedMessageWhenTheQueueHasNoDeadLetterExchange(StoreKind store) {
        use(store);
        newQueue(Map.of());
        publish("a");
        RecordingSink sink = consume(0);
        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.DISCARD);

        assertThat(deadLetters).isEmpty();
        assertThat(queue.messageStats()[MessageCounter.DEAD_LETTERED.ordinal()]).as("dropped, not dead-lettered").isZero();
        assertThat(queue.messageCount()).isZero();
        assertSettled(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldUseTheDeadLetterRoutingKeyWhenSet(StoreKind store) {
        use(store);
        newQueue(withDlx("x-dead-letter-routing-key", "parked"));
        publish("a");
        RecordingSink sink = consume(0);
        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.DISCARD);

        assertThat(deadLetters.get(0).message().routingKey()).isEqualTo("parked");
        assertThat(xDeath(deadLetters.get(0).message()).get(0)).containsEntry("routing-keys", List.of("new"));
    }

    // ---- TTL

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldExpireMessagesByQueueTtlWithNoConsumerAttached(StoreKind store) {
        use(store);
        newQueue(withDlx("x-message-ttl", 1000));
        publish("a", "b");
        timer.advance(999);
        assertThat(deadLetters).isEmpty();
        assertThat(queue.messageCount()).isEqualTo(2);

        timer.advance(1);
        assertThat(deadBodies()).containsExactly("a", "b");
        assertThat(deadReasons()).containsOnly(DeathReason.EXPIRED);
        assertThat(queue.messageCount()).isZero();
        assertSettled(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldExpireAMessageInTheMiddleOfTheQueue(StoreKind store) {
        use(store);
        newQueue(withDlx());
        queue.enqueue(message("a", null), null);
        queue.enqueue(message("b", "100"), null);
        queue.enqueue(message("c", null), null);

        timer.advance(100);

        assertThat(deadBodies()).containsExactly("b");
        assertThat(deadReasons()).containsExactly(DeathReason.EXPIRED);
        assertThat(xDeath(deadLetters.get(0).message()).get(0)).containsEntry("original-expiration", "100");
        assertThat(queue.messageCount()).isEqualTo(2);
        assertSettled(2);
        assertThat(drainWithGet()).containsExactly("a", "c");
    }

    /**
     * On the spill log only "a" stays in memory; the get of "b" pages in "b" and "c" together, so
     * "c" then waits in memory as a new object read from the log. The queue's expiry index held
     * the object published straight to disk, which the store no longer knows, and kept it over the
     * paged-in copy (same expiry, same sequence): "c" stayed in the queue, unexpired, until a
     * consumer reached it.
     */
    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldExpireAMessageWhileItWaitsInMemoryAfterAPageIn(StoreKind store) {
        use(store);
        newQueue(withDlx());
        queue.enqueue(message("a", null), null);
        queue.enqueue(message("b", null), null);
        queue.enqueue(message("c", "1000"), null);
        assertThat(drainOneWithGet()).isEqualTo("a");
        assertThat(drainOneWithGet()).isEqualTo("b");

        timer.advance(1000);

        assertThat(deadBodies()).containsExactly("c");
        assertThat(queue.messageCount()).isZero();
        assertSettled(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldTakeTheLowerOfQueueTtlAndMessageExpiration(StoreKind store) {
        use(store);
        newQueue(withDlx("x-message-ttl", 500));
        queue.enqueue(message("short", "100"), null);
        queue.enqueue(message("long", "10000"), null);

        timer.advance(100);
        assertThat(deadBodies()).containsExactly("short");
        timer.advance(400);
        assertThat(deadBodies()).containsExactly("short", "long");
        assertSettled(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldExpireATtlZeroMessageThatNoConsumerCanTakeAtOnce(StoreKind store) {
        use(store);
        newQueue(withDlx("x-message-ttl", 0));
        publish("nobody-listens");
        assertThat(deadBodies()).containsExactly("nobody-listens");
        assertThat(queue.messageCount()).isZero();

        RecordingSink sink = consume(0);
        publish("taken");
        assertThat(sink.bodies()).containsExactly("taken");
        assertThat(deadBodies()).containsExactly("nobody-listens");
        assertSettled(1); // taken, unacked
        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.ACK);
        assertSettled(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldExpireATtlZeroMessageThatArrivesBehindAReadyOneInTheSameDrain(StoreKind store) {
        use(store);
        java.util.Queue<Runnable> ownerTasks = new java.util.ArrayDeque<>();
        QueueSettings settings = new QueueSettings("/", "q", stores.kind().durable(), OptionalLong.empty(), false,
                QueueArguments.parse(withDlx(), "queue 'q' in vhost '/'"));
        queue = new MessageQueue(settings, stores.newStore(), ownerTasks::add, deleted::add,
                new QueueServices(timer, (message, reason) -> deadLetters.add(new DeadLetter(message, reason))));
        RecordingSink sink = new RecordingSink();
        queue.consume(new ConsumerSpec(CHANNEL, "c", false, false, 1, null, 0, sink));
        queue.enqueue(message("ahead", null), null);
        queue.enqueue(message("now-or-never", "0"), null);

        Runnable drain;
        while ((drain = ownerTasks.poll()) != null) {
            drain.run(); // one drain applies both publishes before it delivers
        }

        assertThat(sink.bodies()).containsExactly("ahead");
        assertThat(deadBodies()).as("a message was ahead of it: it could not be taken at once").containsExactly("now-or-never");
        assertThat(queue.messageCount()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldExpireATtlZeroMessageWhenTheConsumerHasNoCredit(StoreKind store) {
        use(store);
        newQueue(withDlx("x-message-ttl", 0));
        RecordingSink sink = consume(1);
        publish("first", "second");
        assertThat(sink.bodies()).containsExactly("first");
        assertThat(deadBodies()).containsExactly("second");
        assertSettled(1);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldNotExpireUnackedMessagesButExpireThemOnceReturned(StoreKind store) {
        use(store);
        newQueue(withDlx("x-message-ttl", 1000));
        publish("a");
        RecordingSink sink = consume(0);
        timer.advance(5000);
        assertThat(deadLetters).as("unacked messages do not expire").isEmpty();

        queue.closeChannel(CHANNEL);
        timer.advance(0);
        assertThat(deadBodies()).as("its original TTL is long past").containsExactly("a");
        assertThat(queue.messageCount()).isZero();
        assertThat(sink.deliveries).hasSize(1);
        assertSettled(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldAcceptThePublishOfAMessageThatExpiresOnArrival(StoreKind store) {
        use(store);
        newQueue(withDlx("x-message-ttl", 0));
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(message("a", null), confirm);
        assertThat(confirm.accepted()).isCompleted();
        assertThat(confirm.accepted().isCompletedExceptionally()).isFalse();
    }

    // ---- length limits

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDropTheOldestReadyMessagesOverMaxLength(StoreKind store) {
        use(store);
        newQueue(withDlx("x-max-length", 2));
        publish("1", "2", "3", "4");
        assertThat(deadBodies()).containsExactly("1", "2");
        assertThat(deadReasons()).containsOnly(DeathReason.MAXLEN);
        assertSettled(2);
        assertThat(drainWithGet()).containsExactly("3", "4");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDropTheOldestReadyMessagesOverMaxLengthBytes(StoreKind store) {
        use(store);
        newQueue(withDlx("x-max-length-bytes", 5));
        publish("aa", "bb", "cc");
        assertThat(deadBodies()).containsExactly("aa");
        assertSettled(2);
        assertThat(drainWithGet()).containsExactly("bb", "cc");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldKeepMessagesThatExactlyFillMaxLengthBytes(StoreKind store) {
        use(store);
        newQueue(withDlx("x-max-length-bytes", 4));
        publish("aa", "bb");
        assertThat(deadBodies()).as("4 bytes ready is at the limit, not over it").isEmpty();
        publish("c");
        assertThat(deadBodies()).containsExactly("aa");
        assertSettled(2);
        assertThat(drainWithGet()).containsExactly("bb", "c");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldRefuseAPublishOnceTheReadyBytesReachMaxLengthBytes(StoreKind store) {
        use(store);
        newQueue(withDlx("x-max-length-bytes", 4, "x-overflow", "reject-publish"));
        PublishConfirm first = new PublishConfirm(1);
        PublishConfirm second = new PublishConfirm(1);
        PublishConfirm third = new PublishConfirm(1);
        queue.enqueue(message("aa", null), first);
        queue.enqueue(message("bb", null), second);
        queue.enqueue(message("c", null), third);

        assertThat(first.accepted()).succeedsWithin(java.time.Duration.ofSeconds(5));
        assertThat(second.accepted()).as("2 bytes ready, under the limit").succeedsWithin(java.time.Duration.ofSeconds(5));
        assertThatRefused(third);
        assertThat(drainWithGet()).containsExactly("aa", "bb");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldCountOnlyReadyBytesAgainstMaxLengthBytes(StoreKind store) {
        use(store);
        newQueue(withDlx("x-max-length-bytes", 4, "x-overflow", "reject-publish"));
        publish("aaaa");
        GetResult taken = queue.get(CHANNEL, false).join();
        long deliveryId = taken.delivery().orElseThrow().deliveryId();

        PublishConfirm whileUnacked = new PublishConfirm(1);
        queue.enqueue(message("bbbb", null), whileUnacked);
        assertThat(whileUnacked.accepted()).as("an unacked message's bytes are not ready bytes")
                .succeedsWithin(java.time.Duration.ofSeconds(5));

        queue.settle(CHANNEL, deliveryId, SettleOutcome.REQUEUE);
        PublishConfirm afterRequeue = new PublishConfirm(1);
        queue.enqueue(message("c", null), afterRequeue);
        assertThatRefused(afterRequeue);
        assertThat(drainWithGet()).containsExactly("aaaa", "bbbb");

        PublishConfirm drained = new PublishConfirm(1);
        queue.enqueue(message("dddd", null), drained);
        assertThat(drained.accepted()).as("a drained queue holds no ready bytes").succeedsWithin(java.time.Duration.ofSeconds(5));
        assertThat(queue.purge().join()).isEqualTo(1);

        PublishConfirm purged = new PublishConfirm(1);
        queue.enqueue(message("eeee", null), purged);
        assertThat(purged.accepted()).as("a purged queue holds no ready bytes").succeedsWithin(java.time.Duration.ofSeconds(5));
        assertThat(drainWithGet()).containsExactly("eeee");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldRefuseAPublishWhenFullWithRejectPublish(StoreKind store) {
        use(store);
        newQueue(withDlx("x-max-length", 1, "x-overflow", "reject-publish"));
        PublishConfirm first = new PublishConfirm(1);
        PublishConfirm second = new PublishConfirm(1);
        queue.enqueue(message("kept", null), first);
        queue.enqueue(message("refused", null), second);

        assertThat(first.accepted()).as("stored (after the fsync on a durable log)")
                .succeedsWithin(java.time.Duration.ofSeconds(5));
        assertThat(second.accepted()).isCompletedExceptionally();
        assertThat(second.accepted()).failsWithin(java.time.Duration.ZERO)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(QueueRefusedException.class);
        assertThat(deadLetters).as("reject-publish does not dead-letter").isEmpty();
        assertSettled(1);
        assertThat(drainWithGet()).containsExactly("kept");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldRefuseAndDeadLetterAPublishWhenFullWithRejectPublishDlx(StoreKind store) {
        use(store);
        newQueue(withDlx("x-max-length", 1, "x-overflow", "reject-publish-dlx"));
        PublishConfirm refused = new PublishConfirm(1);
        publish("kept");
        queue.enqueue(message("refused", null), refused);

        assertThat(refused.accepted()).isCompletedExceptionally();
        assertThat(deadBodies()).containsExactly("refused");
        assertThat(deadReasons()).containsExactly(DeathReason.MAXLEN);
        assertSettled(1);
        assertThat(drainWithGet()).containsExactly("kept");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldNackOnAnyRefusingQueueEvenIfAnotherAccepted(StoreKind store) {
        use(store);
        newQueue(withDlx("x-max-length", 0, "x-overflow", "reject-publish"));
        PublishConfirm twoQueues = new PublishConfirm(2);
        twoQueues.queueAccepted();
        queue.enqueue(message("a", null), twoQueues);
        assertThat(twoQueues.accepted()).isCompletedExceptionally();
        assertThatRefused(twoQueues);
    }

    private static void assertThatRefused(PublishConfirm confirm) {
        try {
            confirm.accepted().join();
            throw new AssertionError("expected a refusal");
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(QueueRefusedException.class);
        }
    }

    // ---- delivery limit

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDeadLetterAMessageReturnedMoreThanTheDeliveryLimit(StoreKind store) {
        use(store);
        newQueue(withDlx("x-delivery-limit", 2));
        publish("poison");
        RecordingSink sink = consume(0);
        for (int i = 0; i < 3; i++) {
            queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.REQUEUE);
        }

        assertThat(sink.deliveries).hasSize(3);
        assertThat(sink.deliveries.get(0).message().properties().headers()).as("first delivery: no header").isNull();
        assertThat(sink.deliveries.get(1).message().properties().headers()).containsEntry("x-delivery-count", 1L);
        assertThat(sink.deliveries.get(2).message().properties().headers()).containsEntry("x-delivery-count", 2L);
        assertThat(deadReasons()).containsExactly(DeathReason.DELIVERY_LIMIT);
        assertThat(deadLetters.get(0).message().properties().headers()).doesNotContainKey("x-delivery-count");
        assertThat(queue.messageCount()).isZero();
        assertThat(queue.unackedCount()).isZero();
        assertSettled(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldGiveAQuorumQueueRabbitMq4sDeliveryLimitOfTwentyByDefault(StoreKind store) {
        use(store);
        newQueue(withDlx("x-queue-type", "quorum"));
        publish("poison");
        RecordingSink sink = consume(0);
        for (int i = 0; i < 20; i++) {
            queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.REQUEUE);
        }
        assertThat(deadLetters).as("20 returns are allowed").isEmpty();
        assertThat(sink.last().message().properties().headers()).containsEntry("x-delivery-count", 20L);
        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.REQUEUE);

        assertThat(sink.deliveries).hasSize(21);
        assertThat(deadReasons()).containsExactly(DeathReason.DELIVERY_LIMIT);
        assertThat(queue.messageCount()).isZero();
        assertSettled(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldNeverGiveUpOnAQuorumQueuesMessageWithANegativeDeliveryLimit(StoreKind store) {
        use(store);
        newQueue(withDlx("x-queue-type", "quorum", "x-delivery-limit", -1));
        publish("again");
        RecordingSink sink = consume(0);
        for (int i = 0; i < 50; i++) {
            queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.REQUEUE);
        }
        assertThat(sink.deliveries).hasSize(51);
        assertThat(deadLetters).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldCountAChannelClosedWithTheMessageUnackedAsAReturn(StoreKind store) {
        use(store);
        newQueue(withDlx("x-delivery-limit", 0));
        publish("a");
        consume(0);
        queue.closeChannel(CHANNEL);
        assertThat(deadReasons()).containsExactly(DeathReason.DELIVERY_LIMIT);
        assertSettled(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDropAMessageOverTheDeliveryLimitWithoutDeadLetterExchange(StoreKind store) {
        use(store);
        newQueue(Map.of("x-delivery-limit", 0));
        publish("a");
        RecordingSink sink = consume(0);
        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.REQUEUE);
        assertThat(queue.messageCount()).isZero();
        assertThat(sink.deliveries).hasSize(1);
        assertSettled(0);
    }

    // ---- retry delays

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldWaitEachRetryDelayWithoutHoldingUpTheMessagesBehind(StoreKind store) {
        use(store);
        newQueue(withDlx("x-retry-delays", List.of(1000, 5000)));
        publish("a", "b");
        RecordingSink sink = consume(1);
        assertThat(sink.bodies()).containsExactly("a");

        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.REQUEUE);
        assertThat(sink.bodies()).as("b is not held up by the delayed a").containsExactly("a", "b");
        publish("c");
        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.ACK);
        assertThat(sink.bodies()).containsExactly("a", "b", "c");

        timer.advance(999);
        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.ACK);
        assertThat(sink.bodies()).as("a still waits").containsExactly("a", "b", "c");
        timer.advance(1);
        assertThat(sink.bodies()).containsExactly("a", "b", "c", "a");
        assertThat(sink.last().redelivered()).isTrue();

        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.REQUEUE);
        timer.advance(4999);
        assertThat(sink.deliveries).hasSize(4);
        timer.advance(1);
        assertThat(sink.deliveries).hasSize(5);
        assertThat(sink.last().message().properties().headers()).containsEntry("x-delivery-count", 2L);

        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.REQUEUE);
        assertThat(deadReasons()).as("the delays are used up").containsExactly(DeathReason.DELIVERY_LIMIT);
        assertThat(timer.pendingAlarms()).isZero();
        assertSettled(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldLetAMessageOnItsFirstRetryPassOneWaitingOutALongerSecondDelayAheadOfIt(StoreKind store) {
        use(store);
        newQueue(withDlx("x-retry-delays", List.of(100, 10_000)));
        publish("a", "b");
        RecordingSink sink = consume(0);
        queue.settle(CHANNEL, sink.deliveries.get(0).deliveryId(), SettleOutcome.REQUEUE);
        timer.advance(100);
        assertThat(sink.bodies()).containsExactly("a", "b", "a");

        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.REQUEUE);
        queue.settle(CHANNEL, sink.deliveries.get(1).deliveryId(), SettleOutcome.REQUEUE);
        timer.advance(100);

        assertThat(sink.bodies()).as("b, due first, is not held behind a, which is ahead of it in the queue")
                .containsExactly("a", "b", "a", "b");
        timer.advance(9_899);
        assertThat(sink.deliveries).hasSize(4);
        timer.advance(1);
        assertThat(sink.bodies()).containsExactly("a", "b", "a", "b", "a");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldReturnADelayedMessageToItsOriginalPosition(StoreKind store) {
        use(store);
        newQueue(Map.of("x-retry-delays", List.of(100)));
        publish("a", "b", "c");
        GetResult first = queue.get(CHANNEL, false).join();
        queue.settle(CHANNEL, first.delivery().orElseThrow().deliveryId(), SettleOutcome.REQUEUE);
        assertThat(queue.messageCount()).as("a is waiting, not ready").isEqualTo(2);

        timer.advance(100);
        assertThat(drainWithGet()).containsExactly("a", "b", "c");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldStillDeadLetterARejectWithRetryDelays(StoreKind store) {
        use(store);
        newQueue(withDlx("x-retry-delays", List.of(100)));
        publish("a");
        RecordingSink sink = consume(0);
        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.DISCARD);
        assertThat(deadReasons()).containsExactly(DeathReason.REJECTED);
        assertSettled(0);
    }

    // ---- x-expires

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDeleteAQueueUnusedForItsExpiresTime(StoreKind store) {
        use(store);
        newQueue(Map.of("x-expires", 1000));
        publish("a");
        timer.advance(999);
        assertThat(deleted).isEmpty();
        timer.advance(1);
        assertThat(deleted).containsExactly(queue);
        assertThat(queue.isDeleted()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldNotExpireAQueueWhileItHasConsumersAndCountFromTheLastUse(StoreKind store) {
        use(store);
        newQueue(Map.of("x-expires", 1000));
        RecordingSink sink = consume(0);
        timer.advance(5000);
        assertThat(deleted).isEmpty();
        queue.cancel(CHANNEL, sink.deliveries.isEmpty() ? null : "x");
        queue.closeChannel(CHANNEL);
        timer.advance(600);
        queue.get(CHANNEL, true).join();
        timer.advance(600);
        queue.touch();
        timer.advance(999);
        assertThat(deleted).isEmpty();
        timer.advance(1);
        assertThat(deleted).containsExactly(queue);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldCountXExpiresFromTheCancelOfTheLastConsumer(StoreKind store) {
        use(store);
        newQueue(Map.of("x-expires", 1000));
        consume(0);
        timer.advance(5000);
        queue.cancel(CHANNEL, lastTag).join();
        timer.advance(999);
        assertThat(deleted).isEmpty();
        timer.advance(1);
        assertThat(deleted).containsExactly(queue);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDropTheWaitingRetriesWhenTheQueueIsDeleted(StoreKind store) {
        use(store);
        newQueue(Map.of("x-retry-delays", List.of(100)));
        publish("a");
        RecordingSink sink = consume(0);
        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.REQUEUE);
        queue.delete(false, false).join();
        timer.advance(100);
        assertThat(sink.deliveries).hasSize(1);
        assertThat(timer.pendingAlarms()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldBringBackTwoMessagesWaitingOutTheirDelaysAtTheSameTime(StoreKind store) {
        use(store);
        newQueue(withDlx("x-retry-delays", List.of(100)));
        publish("a", "b", "c");
        RecordingSink sink = consume(0);
        assertThat(sink.bodies()).containsExactly("a", "b", "c");
        queue.settle(CHANNEL, new long[] {sink.deliveries.get(0).deliveryId(), sink.deliveries.get(1).deliveryId()},
                SettleOutcome.REQUEUE);
        assertThat(queue.messageCount()).as("both wait, neither is ready").isZero();
        assertSettled(3);

        timer.advance(99);
        assertThat(sink.deliveries).hasSize(3);
        timer.advance(1);
        assertThat(sink.bodies()).containsExactly("a", "b", "c", "a", "b");
        queue.settle(CHANNEL, sink.ids(), SettleOutcome.ACK);
        assertSettled(0);
    }

    // ---- arguments changed by a policy (applyArguments)

    private static QueueArguments arguments(Map<String, Object> arguments) {
        return QueueArguments.parse(arguments, "queue 'q' in vhost '/'");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDropTheHeadAtOnceWhenAPolicyLowersTheLengthLimit(StoreKind store) {
        use(store);
        newQueue(Map.of());
        publish("a", "b", "c");
        queue.applyArguments(arguments(withDlx("x-max-length", 1)));

        assertThat(deadBodies()).as("the new dead-letter exchange takes them").containsExactly("a", "b");
        assertThat(deadReasons()).containsOnly(DeathReason.MAXLEN);
        assertThat(deadLetters.get(0).message().exchange()).isEqualTo("dlx");
        assertThat(queue.messageCount()).isEqualTo(1);
        assertSettled(1);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldGiveNewMessagesTheTtlOfAPolicyAndKeepTheDeadlinesOfThoseQueued(StoreKind store) {
        use(store);
        newQueue(withDlx());
        publish("before");
        queue.applyArguments(arguments(withDlx("x-message-ttl", 1000)));
        publish("after");

        timer.advance(1000);
        assertThat(deadBodies()).containsExactly("after");
        assertThat(drainWithGet()).containsExactly("before");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldApplyTheRetryDelaysAndDeliveryLimitOfAPolicyToTheNextReturns(StoreKind store) {
        use(store);
        newQueue(withDlx());
        publish("a");
        queue.applyArguments(arguments(withDlx("x-retry-delays", List.of(500))));
        RecordingSink sink = consume(0);
        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.REQUEUE);
        assertThat(sink.deliveries).as("waits out the policy's delay").hasSize(1);
        timer.advance(500);
        assertThat(sink.deliveries).hasSize(2);

        queue.applyArguments(arguments(withDlx("x-delivery-limit", 1)));
        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.REQUEUE);
        assertThat(deadReasons()).as("its second return, over the policy's limit of one")
                .containsExactly(DeathReason.DELIVERY_LIMIT);
        assertSettled(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDeleteTheQueueByTheExpiresOfAPolicy(StoreKind store) {
        use(store);
        newQueue(Map.of());
        timer.advance(5000);
        queue.applyArguments(arguments(Map.of("x-expires", 1000)));
        assertThat(deleted).isEmpty();
        timer.advance(0); // the alarm the queue set, already due
        assertThat(deleted).as("counted from the last use, the declaration").containsExactly(queue);
    }
}
