package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;

/**
 * The queue state machine, driven through its public API with commands run inline on the test
 * thread, so every assertion sees a settled state.
 */
class MessageQueueTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);
    private static final ChannelRef OTHER_CHANNEL = new ChannelRef(1, 2);

    private final List<MessageQueue> deleted = new ArrayList<>();
    private MessageQueue queue = newQueue(QueueArguments.NONE, false);

    private MessageQueue newQueue(QueueArguments arguments, boolean autoDelete) {
        QueueSettings settings = new QueueSettings("/", "q", false, OptionalLong.empty(), autoDelete, arguments);
        return new MessageQueue(settings, new InMemoryMessageStore(), Runnable::run, deleted::add);
    }

    private void publish(String... bodies) {
        for (String body : bodies) {
            queue.enqueue(new Message("", "q", MessageProperties.EMPTY, body.getBytes(StandardCharsets.UTF_8)), null);
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

    @Test
    void shouldDeliverInPublishOrder() {
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

    @Test
    void shouldRoundRobinAcrossConsumers() {
        RecordingSink first = consume("a", 0);
        RecordingSink second = consume("b", 0);
        publish("1", "2", "3", "4");

        assertThat(first.bodies()).containsExactly("1", "3");
        assertThat(second.bodies()).containsExactly("2", "4");
    }

    @Test
    void shouldHoldDeliveriesAtThePerConsumerPrefetchAndResumeOnAck() {
        publish("1", "2", "3");
        RecordingSink sink = consume("c", 2);
        assertThat(sink.bodies()).containsExactly("1", "2");
        assertThat(queue.unackedCount()).isEqualTo(2);

        queue.settle(CHANNEL, sink.deliveries.get(0).deliveryId(), SettleOutcome.ACK);

        assertThat(sink.bodies()).containsExactly("1", "2", "3");
        assertThat(queue.messageCount()).isZero();
    }

    @Test
    void shouldShareChannelCreditAcrossQueuesAndWakeTheOtherQueueOnAck() {
        MessageQueue otherQueue = newQueue(QueueArguments.NONE, false);
        ChannelCredit credit = new ChannelCredit(2);
        RecordingSink sink = consume(CHANNEL, "a", 0, credit, 0);
        RecordingSink otherSink = new RecordingSink();
        otherQueue.consume(new ConsumerSpec(CHANNEL, "b", false, false, 0, credit, 0, otherSink)).join();

        publish("1", "2");
        otherQueue.enqueue(new Message("", "q2", MessageProperties.EMPTY, "x".getBytes(StandardCharsets.UTF_8)), null);
        assertThat(sink.bodies()).containsExactly("1", "2");
        assertThat(otherSink.deliveries).as("channel credit exhausted").isEmpty();
        assertThat(credit.inUse()).isEqualTo(2);

        queue.settle(CHANNEL, sink.deliveries.get(0).deliveryId(), SettleOutcome.ACK);

        assertThat(otherSink.bodies()).containsExactly("x");
        assertThat(credit.inUse()).isEqualTo(2);
    }

    @Test
    void shouldResumeWhenTheChannelRaisesItsLimit() {
        ChannelCredit credit = new ChannelCredit(1);
        RecordingSink sink = consume(CHANNEL, "a", 0, credit, 0);
        publish("1", "2");
        assertThat(sink.deliveries).hasSize(1);

        credit.setLimit(0);

        assertThat(sink.deliveries).hasSize(2);
    }

    @Test
    void shouldPreferHigherPriorityConsumersWhileTheyHaveCredit() {
        RecordingSink low = consume(CHANNEL, "low", 0, null, 0);
        RecordingSink high = consume(CHANNEL, "high", 2, null, 10);
        publish("1", "2", "3", "4");

        assertThat(high.bodies()).containsExactly("1", "2");
        assertThat(low.bodies()).containsExactly("3", "4");
        queue.settle(CHANNEL, high.ids(), SettleOutcome.ACK);
        publish("5");
        assertThat(high.bodies()).containsExactly("1", "2", "5");
    }

    @Test
    void shouldRefuseOtherConsumersWhileAnExclusiveConsumerExists() {
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

    @Test
    void shouldDeliverToOneActiveConsumerAndFailOverOnCancel() {
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

    @Test
    void shouldRequeueAtTheOriginalPositionFlaggedRedelivered() {
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

    @Test
    void shouldDropDiscardedMessagesAndIgnoreSettlementsFromOtherChannels() {
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

    @Test
    void shouldStopDeliveringOnCancelButKeepUnackedUntilSettled() {
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

    @Test
    void shouldRequeueEverythingUnackedOnChannelCloseInOriginalOrder() {
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

    @Test
    void shouldTreatNoAckDeliveriesAsSettled() {
        publish("1", "2");
        RecordingSink sink = new RecordingSink();
        queue.consume(new ConsumerSpec(CHANNEL, "c", true, false, 1, new ChannelCredit(1), 0, sink)).join();

        assertThat(sink.bodies()).containsExactly("1", "2");
        assertThat(queue.unackedCount()).isZero();
    }

    @Test
    void shouldGetOneMessageWithTheRemainingCountOrEmpty() {
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

    @Test
    void shouldPurgeOnlyReadyMessages() {
        publish("1", "2", "3");
        consume("c", 1);

        assertThat(queue.purge().join()).isEqualTo(2);
        assertThat(queue.unackedCount()).isEqualTo(1);
    }

    @Test
    void shouldCancelConsumersAndRefuseWorkOnceDeleted() {
        publish("1", "2");
        RecordingSink sink = consume("c", 1);

        assertThat(queue.delete(false, false).join()).isEqualTo(1);

        assertThat(sink.brokerCancels).containsExactly("c");
        assertThat(deleted).containsExactly(queue);
        assertThat(queue.isDeleted()).isTrue();
        assertThat(((BrokerException) failureOf(queue.get(CHANNEL, false))).errorCode()).isEqualTo(ErrorCode.NOT_FOUND);
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(new Message("", "q", MessageProperties.EMPTY, new byte[0]), confirm);
        assertThat(confirm.accepted()).as("late publishes are still confirmed").isCompleted();
    }

    @Test
    void shouldAutoDeleteWhenTheLastConsumerChannelCloses() {
        queue = newQueue(QueueArguments.NONE, true);
        consume("c", 0);

        queue.closeChannel(CHANNEL);

        assertThat(deleted).containsExactly(queue);
    }

    @Test
    void shouldRefuseAReusedConsumerTagOnTheSameChannel() {
        consume("c", 0);

        Throwable refused = failureOf(queue.consume(new ConsumerSpec(CHANNEL, "c", false, false, 0, null, 0, new RecordingSink())));

        assertThat(((BrokerException) refused).errorCode()).isEqualTo(ErrorCode.NOT_ALLOWED);
    }

    @Test
    void shouldYieldAfterADeliveryBatchAndCarryOn() {
        List<Runnable> pending = new ArrayList<>();
        QueueSettings settings = new QueueSettings("/", "q", false, OptionalLong.empty(), false, QueueArguments.NONE);
        MessageQueue manual = new MessageQueue(settings, new InMemoryMessageStore(), pending::add, q -> { });
        for (int i = 0; i < MessageQueue.DELIVERY_BATCH + 10; i++) {
            manual.enqueue(new Message("", "q", MessageProperties.EMPTY, new byte[0]), null);
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
}
