package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.message.Message;
import dev.ferry.message.MessageBody;
import dev.ferry.store.StoreFixture;
import dev.ferry.store.StoreKind;

/**
 * The queue state machine, driven through its public API with commands run inline on the test
 * thread, so every assertion sees a settled state; every test runs against every {@link StoreKind}.
 */
class MessageQueueTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);
    private static final ChannelRef OTHER_CHANNEL = new ChannelRef(1, 2);

    @TempDir
    Path directory;
    private final List<MessageQueue> deleted = new ArrayList<>();
    private StoreFixture stores;
    private MessageQueue queue;

    /** Every test runs once per store: in memory, on a durable log, on a spill log that pages nearly everything. */
    private void use(StoreKind kind) {
        stores = kind.fixture(directory);
        queue = newQueue(QueueArguments.NONE, false);
    }

    @AfterEach
    void closeStores() {
        if (stores != null) {
            stores.close();
        }
    }

    private MessageQueue newQueue(QueueArguments arguments, boolean autoDelete) {
        QueueSettings settings = new QueueSettings("/", "q", stores.kind().durable(), OptionalLong.empty(), autoDelete,
                arguments);
        return new MessageQueue(settings, stores.newStore(), Runnable::run, deleted::add);
    }

    private static Message message(String body) {
        return new Message("", "q", StoreKind.PERSISTENT, body.getBytes(StandardCharsets.UTF_8));
    }

    private void publish(String... bodies) {
        for (String body : bodies) {
            queue.enqueue(message(body), null);
        }
    }

    private RecordingSink consume(ChannelRef channel, String tag, int prefetch, ChannelCredit credit, int priority) {
        RecordingSink sink = new RecordingSink();
        queue.consume(new ConsumerSpec(channel, tag, false, false, prefetch, credit, priority, sink)).join();
        return sink;
    }

    private RecordingSink consume(String tag, int prefetch) {
        return consume(CHANNEL, tag, prefetch, null, 0);
    }

    private static Throwable failureOf(java.util.concurrent.CompletableFuture<?> future) {
        try {
            future.join();
            throw new AssertionError("expected failure");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDeliverInPublishOrder(StoreKind store) {
        use(store);
        publish("1", "2", "3");
        RecordingSink sink = consume("c", 0);

        assertThat(sink.bodies()).containsExactly("1", "2", "3");
        assertThat(sink.deliveries).allSatisfy(d -> {
            assertThat(d.redelivered()).isFalse();
            assertThat(d.deliveryCount()).isEqualTo(1);
            assertThat(d.consumerTag()).isEqualTo("c");
            assertThat(d.queue()).isSameAs(queue);
        });
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldRoundRobinAcrossConsumers(StoreKind store) {
        use(store);
        RecordingSink first = consume("a", 0);
        RecordingSink second = consume("b", 0);
        publish("1", "2", "3", "4");

        assertThat(first.bodies()).containsExactly("1", "3");
        assertThat(second.bodies()).containsExactly("2", "4");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldHoldDeliveriesAtThePerConsumerPrefetchAndResumeOnAck(StoreKind store) {
        use(store);
        publish("1", "2", "3");
        RecordingSink sink = consume("c", 2);
        assertThat(sink.bodies()).containsExactly("1", "2");
        assertThat(queue.unackedCount()).isEqualTo(2);

        queue.settle(CHANNEL, sink.deliveries.get(0).deliveryId(), SettleOutcome.ACK);

        assertThat(sink.bodies()).containsExactly("1", "2", "3");
        assertThat(queue.messageCount()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldShareChannelCreditAcrossQueuesAndWakeTheOtherQueueOnAck(StoreKind store) {
        use(store);
        MessageQueue otherQueue = newQueue(QueueArguments.NONE, false);
        ChannelCredit credit = new ChannelCredit(2);
        RecordingSink sink = consume(CHANNEL, "a", 0, credit, 0);
        RecordingSink otherSink = new RecordingSink();
        otherQueue.consume(new ConsumerSpec(CHANNEL, "b", false, false, 0, credit, 0, otherSink)).join();

        publish("1", "2");
        otherQueue.enqueue(message("x"), null);
        assertThat(sink.bodies()).containsExactly("1", "2");
        assertThat(otherSink.deliveries).as("channel credit exhausted").isEmpty();
        assertThat(credit.inUse()).isEqualTo(2);

        queue.settle(CHANNEL, sink.deliveries.get(0).deliveryId(), SettleOutcome.ACK);

        assertThat(otherSink.bodies()).containsExactly("x");
        assertThat(credit.inUse()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldResumeWhenTheChannelRaisesItsLimit(StoreKind store) {
        use(store);
        ChannelCredit credit = new ChannelCredit(1);
        RecordingSink sink = consume(CHANNEL, "a", 0, credit, 0);
        publish("1", "2");
        assertThat(sink.deliveries).hasSize(1);

        credit.setLimit(0);

        assertThat(sink.deliveries).hasSize(2);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldPreferHigherPriorityConsumersWhileTheyHaveCredit(StoreKind store) {
        use(store);
        RecordingSink low = consume(CHANNEL, "low", 0, null, 0);
        RecordingSink high = consume(CHANNEL, "high", 2, null, 10);
        publish("1", "2", "3", "4");

        assertThat(high.bodies()).containsExactly("1", "2");
        assertThat(low.bodies()).containsExactly("3", "4");
        queue.settle(CHANNEL, high.ids(), SettleOutcome.ACK);
        publish("5");
        assertThat(high.bodies()).containsExactly("1", "2", "5");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldRefuseOtherConsumersWhileAnExclusiveConsumerExists(StoreKind store) {
        use(store);
        consume("first", 0);
        Throwable refusedExclusive = failureOf(queue.consume(
                new ConsumerSpec(CHANNEL, "x", false, true, 0, null, 0, new RecordingSink())));
        assertThat(refusedExclusive).isInstanceOf(BrokerException.class)
                .hasMessage("ACCESS_REFUSED - queue 'q' in vhost '/' in exclusive use");

        queue.cancel(CHANNEL, "first").join();
        queue.consume(new ConsumerSpec(CHANNEL, "x", false, true, 0, null, 0, new RecordingSink())).join();
        Throwable refusedShared = failureOf(queue.consume(
                new ConsumerSpec(OTHER_CHANNEL, "y", false, false, 0, null, 0, new RecordingSink())));
        assertThat(((BrokerException) refusedShared).errorCode()).isEqualTo(ErrorCode.ACCESS_REFUSED);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldAcceptANewConsumerOnceTheExclusiveOneCancels(StoreKind store) {
        use(store);
        RecordingSink exclusive = new RecordingSink();
        queue.consume(new ConsumerSpec(CHANNEL, "x", false, true, 0, null, 0, exclusive)).join();
        assertThat(failureOf(queue.consume(new ConsumerSpec(OTHER_CHANNEL, "y", false, false, 0, null, 0,
                new RecordingSink())))).isInstanceOf(BrokerException.class);

        queue.cancel(CHANNEL, "x").join();
        RecordingSink next = consume(OTHER_CHANNEL, "y", 0, null, 0);
        publish("1");

        assertThat(next.bodies()).containsExactly("1");
        assertThat(exclusive.deliveries).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldAcceptANewConsumerOnceTheExclusiveConsumersChannelCloses(StoreKind store) {
        use(store);
        queue.consume(new ConsumerSpec(CHANNEL, "x", false, true, 0, null, 0, new RecordingSink())).join();

        queue.closeChannel(CHANNEL);
        RecordingSink next = new RecordingSink();
        queue.consume(new ConsumerSpec(OTHER_CHANNEL, "y", false, true, 0, null, 0, next)).join();
        publish("1");

        assertThat(next.bodies()).containsExactly("1");
        assertThat(queue.consumerCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDeliverToOneActiveConsumerAndFailOverOnCancel(StoreKind store) {
        use(store);
        queue = newQueue(QueueArguments.parse(Map.of("x-single-active-consumer", true), "queue 'q'"), false);
        RecordingSink first = consume("first", 0);
        RecordingSink second = consume("second", 0);
        publish("1", "2");
        assertThat(first.bodies()).containsExactly("1", "2");
        assertThat(second.deliveries).isEmpty();

        queue.cancel(CHANNEL, "first").join();
        publish("3");
        queue.settle(CHANNEL, new long[] {first.deliveries.get(1).deliveryId()}, SettleOutcome.REQUEUE);

        assertThat(second.bodies()).containsExactly("3", "2");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldPassOverAConsumerAtItsPrefetchToTheNextOne(StoreKind store) {
        use(store);
        RecordingSink full = consume("full", 1);
        RecordingSink free = consume("free", 0);
        publish("1", "2", "3", "4");

        assertThat(full.bodies()).containsExactly("1");
        assertThat(free.bodies()).containsExactly("2", "3", "4");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aSingleActiveConsumerAtItsPrefetchHoldsTheQueueBack(StoreKind store) {
        use(store);
        queue = newQueue(QueueArguments.parse(Map.of("x-single-active-consumer", true), "queue 'q'"), false);
        RecordingSink active = consume("active", 1);
        RecordingSink waiting = consume("waiting", 0);
        publish("1", "2");

        assertThat(active.bodies()).containsExactly("1");
        assertThat(waiting.deliveries).as("it waits its turn even with credit").isEmpty();
        assertThat(queue.messageCount()).isEqualTo(1);

        queue.settle(CHANNEL, active.last().deliveryId(), SettleOutcome.ACK);
        assertThat(active.bodies()).containsExactly("1", "2");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldRequeueAtTheOriginalPositionFlaggedRedelivered(StoreKind store) {
        use(store);
        publish("1", "2", "3", "4");
        RecordingSink sink = consume("c", 3);
        assertThat(sink.bodies()).containsExactly("1", "2", "3");
        queue.cancel(CHANNEL, "c").join();

        queue.settle(CHANNEL, new long[] {sink.deliveries.get(2).deliveryId(), sink.deliveries.get(0).deliveryId()},
                SettleOutcome.REQUEUE);
        RecordingSink next = consume("d", 0);

        assertThat(next.bodies()).containsExactly("1", "3", "4");
        assertThat(next.deliveries.get(0).redelivered()).isTrue();
        assertThat(next.deliveries.get(0).deliveryCount()).isEqualTo(2);
        assertThat(next.deliveries.get(2).redelivered()).isFalse();
        assertThat(next.deliveries.get(0).deliveryId()).as("a new delivery gets a new id")
                .isNotEqualTo(sink.deliveries.get(0).deliveryId());
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDropDiscardedMessagesAndIgnoreSettlementsFromOtherChannels(StoreKind store) {
        use(store);
        publish("1", "2");
        RecordingSink sink = consume("c", 0);
        queue.settle(OTHER_CHANNEL, sink.ids(), SettleOutcome.ACK);
        assertThat(queue.unackedCount()).isEqualTo(2);

        queue.settle(CHANNEL, sink.deliveries.get(0).deliveryId(), SettleOutcome.DISCARD);
        queue.settle(CHANNEL, sink.deliveries.get(1).deliveryId(), SettleOutcome.ACK);

        assertThat(queue.unackedCount()).isZero();
        assertThat(queue.messageCount()).isZero();
        assertThat(sink.deliveries).hasSize(2);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldStopDeliveringOnCancelButKeepUnackedUntilSettled(StoreKind store) {
        use(store);
        publish("1");
        RecordingSink sink = consume("c", 0);
        assertThat(queue.cancel(CHANNEL, "c").join()).isTrue();
        assertThat(queue.cancel(CHANNEL, "c").join()).as("already gone").isFalse();
        publish("2");

        assertThat(sink.bodies()).containsExactly("1");
        assertThat(queue.unackedCount()).isEqualTo(1);
        assertThat(queue.messageCount()).isEqualTo(1);
        assertThat(sink.brokerCancels).as("client cancels are not notified").isEmpty();
        queue.settle(CHANNEL, sink.ids(), SettleOutcome.ACK);
        assertThat(queue.unackedCount()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldRequeueEverythingUnackedOnChannelCloseInOriginalOrder(StoreKind store) {
        use(store);
        RecordingSink closing = consume(CHANNEL, "a", 0, null, 0);
        RecordingSink staying = consume(OTHER_CHANNEL, "b", 1, null, 0);
        publish("1", "2", "3");
        assertThat(closing.bodies()).containsExactly("1", "3");
        assertThat(staying.bodies()).containsExactly("2");

        queue.closeChannel(CHANNEL);
        queue.settle(OTHER_CHANNEL, staying.ids(), SettleOutcome.ACK);

        assertThat(staying.bodies()).containsExactly("2", "1");
        assertThat(staying.last().redelivered()).isTrue();
        assertThat(queue.consumerCount()).isEqualTo(1);
        assertThat(queue.messageCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldTreatNoAckDeliveriesAsSettled(StoreKind store) {
        use(store);
        publish("1", "2");
        RecordingSink sink = new RecordingSink();
        queue.consume(new ConsumerSpec(CHANNEL, "c", true, false, 1, new ChannelCredit(1), 0, sink)).join();

        assertThat(sink.bodies()).containsExactly("1", "2");
        assertThat(queue.unackedCount()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldGetOneMessageWithTheRemainingCountOrEmpty(StoreKind store) {
        use(store);
        publish("1", "2");

        GetResult first = queue.get(CHANNEL, false).join();
        GetResult second = queue.get(CHANNEL, true).join();
        GetResult none = queue.get(CHANNEL, false).join();

        assertThat(new String(first.delivery().orElseThrow().message().body())).isEqualTo("1");
        assertThat(first.messageCount()).isEqualTo(1);
        assertThat(first.delivery().orElseThrow().consumerTag()).isNull();
        assertThat(second.messageCount()).isZero();
        assertThat(none.isEmpty()).isTrue();
        assertThat(queue.unackedCount()).as("only the acking get stays unacked").isEqualTo(1);
        queue.settle(CHANNEL, first.delivery().orElseThrow().deliveryId(), SettleOutcome.REQUEUE);
        assertThat(queue.get(CHANNEL, true).join().delivery().orElseThrow().redelivered()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldPurgeOnlyReadyMessages(StoreKind store) {
        use(store);
        publish("1", "2", "3");
        consume("c", 1);

        assertThat(queue.purge().join()).isEqualTo(2);
        assertThat(queue.unackedCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldCancelConsumersAndRefuseWorkOnceDeleted(StoreKind store) {
        use(store);
        publish("1", "2");
        RecordingSink sink = consume("c", 1);

        assertThat(queue.delete(false, false).join()).isEqualTo(1);

        assertThat(sink.brokerCancels).containsExactly("c");
        assertThat(deleted).containsExactly(queue);
        assertThat(queue.isDeleted()).isTrue();
        assertThat(((BrokerException) failureOf(queue.get(CHANNEL, false))).errorCode()).isEqualTo(ErrorCode.NOT_FOUND);
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(message(""), confirm);
        assertThat(confirm.accepted()).as("late publishes are still confirmed").isCompleted();
        assertThat(queue.messageCount()).as("but not kept").isZero();
        assertThat(queue.consumerCount()).isZero();
        assertThat(((BrokerException) failureOf(queue.consume(
                new ConsumerSpec(CHANNEL, "late", false, false, 0, null, 0, new RecordingSink())))).errorCode()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(((BrokerException) failureOf(queue.purge())).errorCode()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(queue.delete(false, false).join()).as("a second delete finds nothing to drop").isZero();
        assertThat(deleted).as("and does not report the deletion again").containsExactly(queue);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldGiveBackTheChannelCreditOfUnackedDeliveriesWhenDeleted(StoreKind store) {
        use(store);
        ChannelCredit credit = new ChannelCredit(2);
        RecordingSink sink = consume(CHANNEL, "c", 0, credit, 0);
        publish("1", "2");
        assertThat(credit.inUse()).isEqualTo(2);

        queue.delete(false, false).join();

        assertThat(credit.inUse()).as("the channel may consume elsewhere again").isZero();
        assertThat(sink.bodies()).containsExactly("1", "2");
        assertThat(queue.unackedCount()).isZero();

        queue.settle(CHANNEL, sink.last().deliveryId(), SettleOutcome.ACK);
        assertThat(credit.inUse()).as("a late ack of a deleted queue's delivery gives back nothing twice").isZero();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldKnowWhichConnectionsHoldItsConsumers(StoreKind store) {
        use(store);
        ChannelRef firstConnection = new ChannelRef(1, 1);
        ChannelRef secondConnection = new ChannelRef(2, 1);
        ChannelRef secondConnectionOtherChannel = new ChannelRef(2, 2);
        consume(firstConnection, "a", 0, null, 0);
        consume(secondConnection, "b", 0, null, 0);
        consume(secondConnectionOtherChannel, "c", 0, null, 0);
        assertThat(queue.hasConsumerOn(1)).isTrue();
        assertThat(queue.hasConsumerOn(2)).isTrue();
        assertThat(queue.hasConsumerOn(3)).isFalse();

        queue.cancel(firstConnection, "a").join();
        assertThat(queue.hasConsumerOn(1)).as("cancelled").isFalse();
        queue.closeChannel(secondConnection);
        assertThat(queue.hasConsumerOn(2)).as("its other channel still consumes").isTrue();

        queue.delete(false, false).join();
        assertThat(queue.hasConsumerOn(2)).as("deleted").isFalse();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldNotDeleteWhenAskedIfUnusedOrIfEmptyAndItIsNot(StoreKind store) {
        use(store);
        publish("1");
        consume("c", 0);
        assertThat(failureOf(queue.delete(true, false))).hasMessage("PRECONDITION_FAILED - queue 'q' in vhost '/' in use");
        queue.cancel(CHANNEL, "c").join();
        queue.closeChannel(CHANNEL);
        assertThat(failureOf(queue.delete(false, true))).hasMessage("PRECONDITION_FAILED - queue 'q' in vhost '/' not empty");
        assertThat(queue.isDeleted()).isFalse();

        queue.get(CHANNEL, true).join();
        assertThat(queue.delete(true, true).join()).as("unused and empty now").isZero();
        assertThat(queue.isDeleted()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldAutoDeleteWhenTheLastConsumerChannelCloses(StoreKind store) {
        use(store);
        queue = newQueue(QueueArguments.NONE, true);
        consume("c", 0);

        queue.closeChannel(CHANNEL);

        assertThat(deleted).containsExactly(queue);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldAutoDeleteWhenTheLastConsumerCancelsButNotBefore(StoreKind store) {
        use(store);
        queue = newQueue(QueueArguments.NONE, true);
        assertThat(queue.cancel(CHANNEL, "never-registered").join()).isFalse();
        assertThat(deleted).as("an auto-delete queue that never had a consumer stays").isEmpty();
        consume("a", 0);
        consume(new ChannelRef(2, 1), "b", 0, null, 0);

        assertThat(queue.cancel(CHANNEL, "a").join()).isTrue();
        assertThat(deleted).as("one consumer is left").isEmpty();
        assertThat(queue.cancel(new ChannelRef(2, 1), "b").join()).isTrue();
        assertThat(deleted).containsExactly(queue);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldRefuseAReusedConsumerTagOnTheSameChannel(StoreKind store) {
        use(store);
        consume("c", 0);

        Throwable refused = failureOf(queue.consume(new ConsumerSpec(CHANNEL, "c", false, false, 0, null, 0, new RecordingSink())));

        assertThat(((BrokerException) refused).errorCode()).isEqualTo(ErrorCode.NOT_ALLOWED);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldYieldAfterADeliveryBatchAndCarryOn(StoreKind store) {
        use(store);
        List<Runnable> pending = new ArrayList<>();
        QueueSettings settings = new QueueSettings("/", "q", false, OptionalLong.empty(), false, QueueArguments.NONE);
        MessageQueue manual = new MessageQueue(settings, stores.newStore(), pending::add, q -> { });
        for (int i = 0; i < MessageQueue.DELIVERY_BATCH + 10; i++) {
            manual.enqueue(message(""), null);
        }
        while (!pending.isEmpty()) {
            pending.remove(0).run();
        }
        RecordingSink sink = new RecordingSink();
        manual.consume(new ConsumerSpec(CHANNEL, "c", true, false, 0, null, 0, sink));
        assertThat(pending).hasSize(1);

        pending.remove(0).run();
        assertThat(sink.deliveries).hasSize(MessageQueue.DELIVERY_BATCH);
        assertThat(pending).as("rescheduled behind other queues' work").hasSize(1);
        while (!pending.isEmpty()) {
            pending.remove(0).run();
        }
        assertThat(sink.deliveries).hasSize(MessageQueue.DELIVERY_BATCH + 10);
    }

    /** A store that throws from the operation a test names, and otherwise keeps messages in memory. */
    private static final class BrokenStore implements MessageStore {
        private final InMemoryMessageStore memory = new InMemoryMessageStore();
        private String failing = "";

        private void check(String operation) {
            if (operation.equals(failing)) {
                throw new IllegalStateException("broken " + operation);
            }
        }

        public void append(QueuedMessage message, PublishConfirm confirm) {
            check("append");
            memory.append(message, confirm);
        }

        public QueuedMessage pollReady() {
            check("pollReady");
            return memory.pollReady();
        }

        public void returnToReady(QueuedMessage message) {
            memory.returnToReady(message);
        }

        public void settle(QueuedMessage message) {
        }

        public int purgeReady() {
            check("purgeReady");
            return memory.purgeReady();
        }

        public int readyCount() {
            return memory.readyCount();
        }

        public long readyBytes() {
            return memory.readyBytes();
        }
    }

    @Test
    void aCommandThatThrowsFailsItsAnswerInsteadOfLeavingTheCallerWaiting() {
        BrokenStore store = new BrokenStore();
        QueueSettings settings = new QueueSettings("/", "q", false, OptionalLong.empty(), false, QueueArguments.NONE);
        MessageQueue broken = new MessageQueue(settings, store, Runnable::run, q -> { });

        store.failing = "append";
        PublishConfirm confirm = new PublishConfirm(1);
        broken.enqueue(message("a"), confirm);
        assertThat(confirm.accepted()).as("the publisher is nacked").isCompletedExceptionally();

        store.failing = "";
        broken.enqueue(message("b"), null);
        store.failing = "pollReady";
        assertThat(broken.get(CHANNEL, false)).as("answered, not left waiting").failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class).withMessageContaining("broken pollReady");
        store.failing = "purgeReady";
        assertThat(broken.purge()).failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class).withMessageContaining("broken purgeReady");

        store.failing = "";
        assertThat(new String(broken.get(CHANNEL, true).join().delivery().orElseThrow().message().body()))
                .as("the queue carries on").isEqualTo("b");
    }

    @Test
    void aPublishFailedByOneQueueIsNackedEvenIfAnotherAcceptedIt() {
        BrokenStore store = new BrokenStore();
        QueueSettings settings = new QueueSettings("/", "q", false, OptionalLong.empty(), false, QueueArguments.NONE);
        MessageQueue broken = new MessageQueue(settings, store, Runnable::run, q -> { });
        PublishConfirm twoQueues = new PublishConfirm(2);
        twoQueues.queueAccepted();
        store.failing = "append";
        broken.enqueue(message("a"), twoQueues);
        assertThat(twoQueues.accepted()).failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class).withMessageContaining("broken append");
    }

    /** Publishes the owner has not applied yet hold the publisher back past the mailbox bound, until it catches up. */
    @Test
    void shouldHoldBackPublishersWhileTheOwnerFallsBehindItsMailboxBound() {
        java.util.Queue<Runnable> ownerTasks = new java.util.ArrayDeque<>();
        QueueSettings settings = new QueueSettings("/", "slow", false, OptionalLong.empty(), false, QueueArguments.NONE);
        MessageQueue slow = new MessageQueue(settings, new InMemoryMessageStore(), ownerTasks::add, q -> { },
                new QueueServices(new ManualQueueTimer(0), DeadLetterRouter.DROP, new MailboxLimits(2, 1 << 20)));
        assertThat(slow.name()).isEqualTo("slow");
        assertThat(slow.settings()).isSameAs(settings);
        assertThat(slow).hasToString(settings.description());

        assertThat(slow.enqueue(message("a"), null)).isNull();
        assertThat(slow.enqueue(message("bb"), null)).isNull();
        java.util.concurrent.CompletableFuture<Void> held = slow.enqueue(message("ccc"), null);
        assertThat(held).as("three waiting, the bound is two").isNotNull().isNotDone();
        assertThat(slow.waitingMessages()).isEqualTo(3);
        assertThat(slow.waitingBytes()).isEqualTo(6);

        Runnable drain;
        while ((drain = ownerTasks.poll()) != null) {
            drain.run();
        }
        assertThat(held).isDone();
        assertThat(slow.messageCount()).isEqualTo(3);
        assertThat(slow.waitingMessages()).isZero();
        assertThat(slow.waitingBytes()).isZero();
        assertThat(slow.peakWaitingMessages()).as("the most a publisher found waiting").isEqualTo(3);
        assertThat(slow.peakWaitingBytes()).isEqualTo(6);
    }

    @Test
    void shouldGiveBackItsReferenceToALargeBodyOnceItIsAckedOrDeliveredWithoutAck() {
        MessageBody acked = MessageBody.allocate(MessageBody.DIRECT_FROM_BYTES);
        MessageBody autoAcked = MessageBody.allocate(MessageBody.DIRECT_FROM_BYTES);
        assertThat(acked.isDirect() && autoAcked.isDirect()).as("off the heap, so references count").isTrue();
        RecordingSink ackedSink = new RecordingSink();
        RecordingSink autoSink = new RecordingSink();
        for (boolean noAck : new boolean[] {false, true}) {
            String name = noAck ? "auto" : "acked";
            QueueSettings settings = new QueueSettings("/", name, false, OptionalLong.empty(), false, QueueArguments.NONE);
            MessageQueue large = new MessageQueue(settings, new InMemoryMessageStore(), Runnable::run, q -> { });
            MessageBody body = noAck ? autoAcked : acked;
            large.enqueue(new Message("", name, StoreKind.PERSISTENT, body), null);
            body.release(); // the publisher's
            large.consume(new ConsumerSpec(CHANNEL, "c", noAck, false, 0, null, 0, noAck ? autoSink : ackedSink)).join();
            if (!noAck) {
                ackedSink.last().message().messageBody().release(); // the delivery's, once sent
                assertThat(acked.references()).as("the queue's, until the ack").isEqualTo(1);
                large.settle(CHANNEL, ackedSink.last().deliveryId(), SettleOutcome.ACK);
            }
        }
        autoSink.last().message().messageBody().release();

        assertThat(acked.references()).isZero();
        assertThat(autoAcked.references()).as("the queue gave its reference back at the no-ack delivery").isZero();
    }

    @Test
    void shouldAskItsOwnerAgainAfterTheOwnerRefusedADrain() {
        java.util.concurrent.atomic.AtomicBoolean refusing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.Executor owner = task -> {
            if (refusing.get()) {
                throw new java.util.concurrent.RejectedExecutionException("shutting down");
            }
            task.run();
        };
        QueueSettings settings = new QueueSettings("/", "refused", false, OptionalLong.empty(), false, QueueArguments.NONE);
        MessageQueue refused = new MessageQueue(settings, new InMemoryMessageStore(), owner, q -> { });

        refused.enqueue(message("a"), null);
        assertThat(refused.messageCount()).isZero();
        refusing.set(false);
        refused.enqueue(message("b"), null);

        assertThat(refused.messageCount()).as("the next command schedules a drain, which applies both").isEqualTo(2);
    }

    private void publishWithId(String body, String id, PublishConfirm confirm) {
        queue.enqueue(new Message("", "q", StoreKind.PERSISTENT.withHeaders(Map.of("x-deduplication-header", id)),
                body.getBytes(StandardCharsets.UTF_8)), confirm);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldStoreAMessageOnceAndConfirmEveryCopyWhenTheQueueDeduplicates(StoreKind kind) {
        use(kind);
        queue = newQueue(QueueArguments.parse(Map.of("x-message-deduplication", true, "x-cache-ttl", 60_000),
                "queue 'q' in vhost '/'"), false);
        PublishConfirm original = new PublishConfirm(1);
        PublishConfirm copy = new PublishConfirm(1);
        publishWithId("first", "order-1", original);
        publishWithId("copy", "order-1", copy);
        publishWithId("other", "order-2", null);
        publish("no id", "no id");

        assertThat(original.accepted()).succeedsWithin(Duration.ofSeconds(5));
        assertThat(copy.accepted()).as("confirmed as stored: it was, the first time").succeedsWithin(Duration.ofSeconds(5));
        assertThat(drainWithGet()).containsExactly("first", "other", "no id", "no id");
    }

    private List<String> drainWithGet() {
        return QueueGets.drainWithGet(queue, CHANNEL);
    }
}
