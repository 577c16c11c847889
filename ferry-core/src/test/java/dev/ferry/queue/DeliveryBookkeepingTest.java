package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import dev.ferry.message.Message;
import dev.ferry.stats.MessageCounter;
import dev.ferry.store.StoreKind;

/**
 * What a queue counts and hands back as it delivers: message_stats per kind of delivery and
 * settlement, channel credit given back after a recover or a deletion, and which consumer is
 * chosen when the first in line cannot take a message.
 */
class DeliveryBookkeepingTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);
    private static final ChannelRef OTHER_CHANNEL = new ChannelRef(2, 1);
    private static final long START = 1_700_000_000_000L;

    private final ManualQueueTimer timer = new ManualQueueTimer(START);
    private final List<String> deadLetters = new ArrayList<>();

    private MessageQueue newQueue(Map<String, Object> arguments) {
        return new MessageQueue(new QueueSettings("/", "q", false, OptionalLong.empty(), false,
                QueueArguments.parse(arguments, "queue 'q'")), new InMemoryMessageStore(), Runnable::run, q -> { },
                new QueueServices(timer, (message, reason) -> deadLetters.add(
                        new String(message.body(), StandardCharsets.UTF_8) + ":" + reason)));
    }

    private static void publish(MessageQueue queue, String... bodies) {
        for (String body : bodies) {
            queue.enqueue(new Message("", "q", StoreKind.PERSISTENT, body.getBytes(StandardCharsets.UTF_8)), null);
        }
    }

    private static RecordingSink consume(MessageQueue queue, ChannelRef channel, String tag, boolean noAck,
                                         int prefetch, ChannelCredit credit, int priority, DeliveryGate gate) {
        RecordingSink sink = new RecordingSink();
        queue.consume(new ConsumerSpec(channel, tag, noAck, false, prefetch, credit, priority, sink, gate)).join();
        return sink;
    }

    private static long stat(MessageQueue queue, MessageCounter counter) {
        return queue.messageStats()[counter.ordinal()];
    }

    @Test
    void shouldCountEachKindOfDeliveryAndSettlementOnce() {
        MessageQueue queue = newQueue(Map.of());
        publish(queue, "1", "2", "3", "4", "5");
        assertThat(stat(queue, MessageCounter.PUBLISH)).isEqualTo(5);

        Delivery got = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        queue.get(CHANNEL, true).join();
        Delivery held = queue.getNoAckHeld(CHANNEL).join().delivery().orElseThrow();
        assertThat(stat(queue, MessageCounter.GET)).isEqualTo(1);
        assertThat(stat(queue, MessageCounter.GET_NO_ACK)).as("a no-ack get, and one the channel settles").isEqualTo(2);
        queue.settle(CHANNEL, held.deliveryId(), SettleOutcome.ACK);
        assertThat(stat(queue, MessageCounter.ACK)).as("a held no-ack get's settlement is no ack").isZero();
        queue.settle(CHANNEL, got.deliveryId(), SettleOutcome.REQUEUE);
        assertThat(stat(queue, MessageCounter.ACK)).as("a requeue is no ack").isZero();

        RecordingSink acking = consume(queue, CHANNEL, "acking", false, 1, null, 0, null);
        assertThat(acking.bodies()).containsExactly("1");
        assertThat(acking.last().redelivered()).isTrue();
        assertThat(stat(queue, MessageCounter.REDELIVER)).isEqualTo(1);
        assertThat(stat(queue, MessageCounter.DELIVER)).isEqualTo(1);
        queue.settle(CHANNEL, acking.last().deliveryId(), SettleOutcome.ACK);
        assertThat(stat(queue, MessageCounter.ACK)).isEqualTo(1);
        assertThat(acking.bodies()).containsExactly("1", "4");
        queue.cancel(CHANNEL, "acking").join();

        RecordingSink noAck = consume(queue, OTHER_CHANNEL, "no-ack", true, 0, null, 0, null);
        assertThat(noAck.bodies()).containsExactly("5");
        assertThat(stat(queue, MessageCounter.DELIVER_NO_ACK)).isEqualTo(1);
        assertThat(stat(queue, MessageCounter.GET_EMPTY)).isZero();
        queue.get(CHANNEL, true).join();
        assertThat(stat(queue, MessageCounter.GET_EMPTY)).isEqualTo(1);
        assertThat(stat(queue, MessageCounter.DELIVER)).isEqualTo(2);
        assertThat(stat(queue, MessageCounter.REDELIVER)).as("only 1 came back").isEqualTo(1);
        assertThat(stat(queue, MessageCounter.GET)).isEqualTo(1);
        assertThat(stat(queue, MessageCounter.GET_NO_ACK)).isEqualTo(2);
        assertThat(stat(queue, MessageCounter.PUBLISH)).isEqualTo(5);
    }

    @Test
    void shouldRedeliverARecoveredMessageWithTheCreditItGaveBack() {
        MessageQueue queue = newQueue(Map.of());
        ChannelCredit credit = new ChannelCredit(1);
        RecordingSink sink = consume(queue, CHANNEL, "c", false, 0, credit, 0, null);
        publish(queue, "m");
        assertThat(credit.inUse()).isEqualTo(1);

        queue.requeueUnacked(CHANNEL); // basic.recover

        assertThat(sink.bodies()).containsExactly("m", "m");
        assertThat(sink.last().redelivered()).isTrue();
        assertThat(credit.inUse()).isEqualTo(1);
    }

    @Test
    void shouldGiveBackTheCreditOfEveryChannelWhenTheQueueIsDeleted() {
        MessageQueue queue = newQueue(Map.of());
        ChannelCredit first = new ChannelCredit(5);
        ChannelCredit second = new ChannelCredit(5);
        consume(queue, CHANNEL, "a", false, 0, first, 0, null);
        consume(queue, OTHER_CHANNEL, "b", false, 0, second, 0, null);
        publish(queue, "1", "2", "3", "4");
        assertThat(first.inUse()).isEqualTo(2);
        assertThat(second.inUse()).isEqualTo(2);

        queue.delete(false, false).join();

        assertThat(first.inUse()).isZero();
        assertThat(second.inUse()).isZero();
    }

    @Test
    void shouldForgetTheConnectionOfAConsumerWhoseChannelCloses() {
        MessageQueue queue = newQueue(Map.of());
        consume(queue, CHANNEL, "a", false, 0, null, 0, null);
        consume(queue, OTHER_CHANNEL, "b", false, 0, null, 0, null);
        assertThat(queue.hasConsumerOn(CHANNEL.connectionId())).isTrue();

        queue.closeChannel(CHANNEL);

        assertThat(queue.hasConsumerOn(CHANNEL.connectionId())).isFalse();
        assertThat(queue.hasConsumerOn(OTHER_CHANNEL.connectionId())).isTrue();
    }

    @Test
    void shouldDeliverToTheConsumerThatCanTakeAMessageWhenTheOneAheadCannot() {
        MessageQueue queue = newQueue(Map.of());
        DeliveryGate shut = new DeliveryGate();
        shut.close();
        RecordingSink gated = consume(queue, CHANNEL, "gated", false, 0, null, 9, shut);
        RecordingSink acking = consume(queue, CHANNEL, "acking", false, 0, new ChannelCredit(0), 5, null);
        RecordingSink noAck = consume(queue, OTHER_CHANNEL, "no-ack", true, 0, new ChannelCredit(3), 0, null);

        publish(queue, "1", "2");
        assertThat(gated.deliveries).as("its gate is shut").isEmpty();
        assertThat(acking.bodies()).containsExactly("1", "2");

        queue.cancel(CHANNEL, "acking").join();
        publish(queue, "3");
        assertThat(gated.deliveries).isEmpty();
        assertThat(noAck.bodies()).containsExactly("3");
    }

    @Test
    void shouldKeepTheFirstRegisteredSingleActiveConsumerWhateverItsPriority() {
        MessageQueue queue = newQueue(Map.of("x-single-active-consumer", true));
        RecordingSink first = consume(queue, CHANNEL, "first", false, 0, null, 0, null);
        RecordingSink urgent = consume(queue, CHANNEL, "urgent", false, 0, null, 10, null);

        publish(queue, "1", "2");

        assertThat(first.bodies()).containsExactly("1", "2");
        assertThat(urgent.deliveries).isEmpty();
    }

    @Test
    void shouldDropTheHeadWhenARetriedMessageComesBackToAFullQueue() {
        MessageQueue queue = newQueue(Map.of("x-max-length", 1, "x-retry-delays", List.of(1000),
                "x-dead-letter-exchange", "dlx"));
        publish(queue, "a");
        Delivery a = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        queue.settle(CHANNEL, a.deliveryId(), SettleOutcome.REQUEUE);
        publish(queue, "b");
        assertThat(queue.messageCount()).isEqualTo(1);

        timer.advance(1000);

        assertThat(deadLetters).as("a is back at the head, over the limit of 1").containsExactly("a:MAXLEN");
        assertThat(queue.messageCount()).isEqualTo(1);
        assertThat(new String(queue.get(CHANNEL, true).join().delivery().orElseThrow().message().body(),
                StandardCharsets.UTF_8)).isEqualTo("b");
    }
}
