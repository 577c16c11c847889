package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** A closed delivery gate holds messages in the queue and lets them go, in order, when it opens. */
class DeliveryGateTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);

    private final MessageQueue queue = new MessageQueue(
            new QueueSettings("/", "q", false, OptionalLong.empty(), false, QueueArguments.NONE),
            new InMemoryMessageStore(), Runnable::run, q -> { });
    private final DeliveryGate gate = new DeliveryGate();

    private void publish(String... bodies) {
        for (String body : bodies) {
            queue.enqueue(new Message("", "q", MessageProperties.EMPTY, body.getBytes(StandardCharsets.UTF_8)), null);
        }
    }

    private RecordingSink consume(String tag, boolean noAck, DeliveryGate consumerGate) {
        RecordingSink sink = new RecordingSink();
        queue.consume(new ConsumerSpec(CHANNEL, tag, noAck, false, 0, null, 0, sink, consumerGate)).join();
        return sink;
    }

    @Test
    void shouldHoldNoAckDeliveriesInTheQueueWhileTheGateIsClosed() {
        RecordingSink sink = consume("c1", true, gate);
        gate.close();

        publish("a", "b", "c");

        assertThat(sink.deliveries).isEmpty();
        assertThat(queue.messageCount()).isEqualTo(3);
    }

    @Test
    void shouldDeliverWhatWaitedInOrderWhenTheGateOpens() {
        RecordingSink sink = consume("c1", true, gate);
        gate.close();
        publish("a", "b", "c");

        gate.open();

        assertThat(sink.bodies()).containsExactly("a", "b", "c");
        assertThat(queue.messageCount()).isZero();
    }

    @Test
    void shouldGiveMessagesToAnotherConsumerWhoseConnectionCanTakeThem() {
        RecordingSink stalled = consume("slow", false, gate);
        RecordingSink healthy = consume("fast", false, new DeliveryGate());
        gate.close();

        publish("a", "b", "c", "d");

        assertThat(stalled.deliveries).isEmpty();
        assertThat(healthy.bodies()).containsExactly("a", "b", "c", "d");
    }
}
