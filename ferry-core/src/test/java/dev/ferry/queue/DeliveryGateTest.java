package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.message.Message;
import dev.ferry.store.StoreFixture;
import dev.ferry.store.StoreKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A closed delivery gate holds messages in the queue and lets them go, in order, when it opens;
 * against every {@link StoreKind}.
 */
class DeliveryGateTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);

    @TempDir
    Path directory;
    private StoreFixture stores;
    private MessageQueue queue;
    private final DeliveryGate gate = new DeliveryGate();

    /** Every test runs once per store. */
    private void use(StoreKind kind) {
        stores = kind.fixture(directory);
        queue = new MessageQueue(new QueueSettings("/", "q", kind.durable(), OptionalLong.empty(), false,
                QueueArguments.NONE), stores.newStore(), Runnable::run, q -> { });
    }

    @AfterEach
    void closeStores() {
        stores.close();
    }

    private void publish(String... bodies) {
        for (String body : bodies) {
            queue.enqueue(new Message("", "q", StoreKind.PERSISTENT, body.getBytes(StandardCharsets.UTF_8)), null);
        }
    }

    private RecordingSink consume(String tag, boolean noAck, DeliveryGate consumerGate) {
        RecordingSink sink = new RecordingSink();
        queue.consume(new ConsumerSpec(CHANNEL, tag, noAck, false, 0, null, 0, sink, consumerGate)).join();
        return sink;
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldHoldNoAckDeliveriesInTheQueueWhileTheGateIsClosed(StoreKind store) {
        use(store);
        RecordingSink sink = consume("c1", true, gate);
        gate.close();

        publish("a", "b", "c");

        assertThat(sink.deliveries).isEmpty();
        assertThat(queue.messageCount()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDeliverWhatWaitedInOrderWhenTheGateOpens(StoreKind store) {
        use(store);
        RecordingSink sink = consume("c1", true, gate);
        gate.close();
        publish("a", "b", "c");

        gate.open();

        assertThat(sink.bodies()).containsExactly("a", "b", "c");
        assertThat(queue.messageCount()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldGiveMessagesToAnotherConsumerWhoseConnectionCanTakeThem(StoreKind store) {
        use(store);
        RecordingSink stalled = consume("slow", false, gate);
        RecordingSink healthy = consume("fast", false, new DeliveryGate());
        gate.close();

        publish("a", "b", "c", "d");

        assertThat(stalled.deliveries).isEmpty();
        assertThat(healthy.bodies()).containsExactly("a", "b", "c", "d");
    }

    /**
     * Under the memory alarm a connection gets no more once it holds the allowance unacknowledged,
     * counted by the queue as it delivers and settles; acks let the queue go on up to it again, and
     * the alarm clearing lets it deliver the rest.
     */
    @ParameterizedTest
    @EnumSource(value = StoreKind.class, names = "IN_MEMORY")
    void shouldHoldAConnectionAtItsAllowanceOfUnackedOnlyUnderTheMemoryAlarm(StoreKind store) {
        use(store);
        AtomicBoolean memoryAlarm = new AtomicBoolean(true);
        DeliveryGate alarmed = new DeliveryGate(memoryAlarm::get);
        int allowance = DeliveryGate.UNACKED_UNDER_MEMORY_ALARM;
        RecordingSink sink = consume("c1", false, alarmed);
        String[] bodies = new String[2 * allowance];
        java.util.Arrays.fill(bodies, "m");
        publish(bodies);

        assertThat(sink.deliveries).hasSize(allowance + 1);
        assertThat(alarmed.unackedCount()).isEqualTo(allowance + 1);
        assertThat(alarmed.isOpen()).isFalse();

        long[] delivered = sink.ids();
        queue.settle(CHANNEL, java.util.Arrays.copyOfRange(delivered, 0, allowance / 2), SettleOutcome.ACK);
        assertThat(sink.deliveries).as("acks let the queue go on up to the allowance again")
                .hasSize(allowance + 1 + allowance / 2);
        assertThat(alarmed.unackedCount()).isEqualTo(allowance + 1);

        memoryAlarm.set(false);
        alarmed.wakeIfOpen();
        assertThat(sink.deliveries).as("the alarm cleared").hasSize(2 * allowance);
    }
}
