package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.store.StoreFixture;
import dev.ferry.store.StoreKind;

/**
 * Priority queues (x-max-priority) and length limits with requeues, against every {@link StoreKind}
 * (the spill log pages every message but the first, so there the order is the paged ranges').
 * The expectations are what RabbitMQ 3.10 did with the same steps (see PriorityQueueTest in ferry-it).
 */
class PriorityQueueTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);
    private static final long START = 1_700_000_000_000L;

    @TempDir
    Path directory;
    private final ManualQueueTimer timer = new ManualQueueTimer(START);
    private final List<String> deadLetters = new ArrayList<>();
    private final List<DeathReason> deathReasons = new ArrayList<>();
    private StoreFixture stores;
    private MessageQueue queue;

    @AfterEach
    void closeStores() {
        if (stores != null) {
            stores.close();
        }
    }

    private void use(StoreKind kind, Object... arguments) {
        stores = kind.fixture(directory);
        Map<String, Object> table = new HashMap<>();
        for (int i = 0; i < arguments.length; i += 2) {
            table.put((String) arguments[i], arguments[i + 1]);
        }
        QueueArguments parsed = QueueArguments.parse(table, "queue 'q' in vhost '/'");
        QueueSettings settings = new QueueSettings("/", "q", kind.durable(), OptionalLong.empty(), false, parsed);
        queue = new MessageQueue(settings, stores.newStore(MessagePriority.topLevel(parsed)), Runnable::run, q -> { },
                new QueueServices(timer, (message, reason) -> {
                    deadLetters.add(new String(message.body(), StandardCharsets.UTF_8));
                    deathReasons.add(reason);
                }));
    }

    private static Message message(String body, int priority, String expiration) {
        MessageProperties properties = new MessageProperties(null, null, null, MessageProperties.PERSISTENT, priority,
                null, null, expiration, null, null, null, null, null, null);
        return new Message("", "q", properties, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Publishes "body:priority" pairs; a priority of -1 publishes without the property. */
    private void publish(Object... bodiesAndPriorities) {
        for (int i = 0; i < bodiesAndPriorities.length; i += 2) {
            queue.enqueue(message((String) bodiesAndPriorities[i], (Integer) bodiesAndPriorities[i + 1], null), null);
        }
    }

    private Delivery get() {
        return queue.get(CHANNEL, false).join().delivery().orElseThrow();
    }

    private List<String> drain() {
        List<String> bodies = new ArrayList<>();
        GetResult result;
        while (!(result = queue.get(CHANNEL, true).join()).isEmpty()) {
            Delivery delivery = result.delivery().orElseThrow();
            bodies.add(new String(delivery.message().body(), StandardCharsets.UTF_8) + (delivery.redelivered() ? "*" : ""));
        }
        return bodies;
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDeliverHigherPrioritiesFirstAndInPublishOrderWithinOne(StoreKind kind) {
        use(kind, "x-max-priority", 5);
        publish("a0", -1, "b3", 3, "c9", 9, "d0", 0, "e5", 5, "f3", 3);

        // c9 is above the maximum: it counts as 5 and came before e5.
        assertThat(drain()).containsExactly("c9", "e5", "b3", "f3", "a0", "d0");
        stores.assertSettled(queue, 0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldIgnorePrioritiesWithoutMaxPriorityOrWithZero(StoreKind kind) {
        use(kind, "x-max-priority", 0);
        publish("a0", -1, "b3", 3, "c9", 9);

        assertThat(drain()).containsExactly("a0", "b3", "c9");
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDeliverToConsumersByPriorityOnceTheyHaveCredit(StoreKind kind) {
        use(kind, "x-max-priority", 10);
        for (int i = 0; i < 20; i++) {
            publish("m" + i, i % 4 * 3);
        }
        RecordingSink sink = new RecordingSink();
        queue.consume(new ConsumerSpec(CHANNEL, "c", false, false, 3, null, 0, sink)).join();
        List<String> bodies = new ArrayList<>();
        while (!sink.deliveries.isEmpty()) {
            bodies.addAll(sink.bodies());
            long[] ids = sink.ids();
            sink.deliveries.clear();
            queue.settle(CHANNEL, ids, SettleOutcome.ACK); // the next three arrive at once
        }
        assertThat(bodies).containsExactly("m3", "m7", "m11", "m15", "m19", "m2", "m6", "m10", "m14", "m18",
                "m1", "m5", "m9", "m13", "m17", "m0", "m4", "m8", "m12", "m16");
        stores.assertSettled(queue, 0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldPutRequeuedMessagesBackInTheirPlaceWithinTheirPriority(StoreKind kind) {
        use(kind, "x-max-priority", 5);
        publish("a1", 1, "b1", 1, "c5", 5, "d1", 1, "e5", 5);
        Delivery c5 = get();
        Delivery e5 = get();
        Delivery a1 = get();

        queue.settle(CHANNEL, a1.deliveryId(), SettleOutcome.REQUEUE);
        queue.settle(CHANNEL, c5.deliveryId(), SettleOutcome.REQUEUE);
        queue.settle(CHANNEL, e5.deliveryId(), SettleOutcome.REQUEUE);

        assertThat(drain()).containsExactly("c5*", "e5*", "a1*", "b1", "d1");
        stores.assertSettled(queue, 0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDropTheHeadOfTheHighestPriorityWhenOverMaxLength(StoreKind kind) {
        use(kind, "x-max-priority", 5, "x-max-length", 3, "x-dead-letter-exchange", "dlx");
        publish("A1", 1, "B5", 5, "C1", 1, "D5", 5, "E3", 3);

        assertThat(deadLetters).containsExactly("B5", "D5");
        assertThat(deathReasons).containsOnly(DeathReason.MAXLEN);
        assertThat(queue.counts().join().messageCount()).isEqualTo(3);
        assertThat(drain()).containsExactly("E3", "A1", "C1");
        stores.assertSettled(queue, 0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDropARequeuedHeadAtOnceWhenItTakesTheQueueOverMaxLength(StoreKind kind) {
        use(kind, "x-max-length", 2, "x-dead-letter-exchange", "dlx");
        publish("A", -1, "B", -1);
        Delivery a = get();
        publish("C", -1);
        assertThat(deadLetters).isEmpty();

        queue.settle(CHANNEL, a.deliveryId(), SettleOutcome.REQUEUE);

        // A went back to the head, which is what drop-head takes: B and C stay.
        assertThat(deadLetters).containsExactly("A");
        assertThat(queue.counts().join().messageCount()).isEqualTo(2);
        publish("D", -1);
        assertThat(deadLetters).containsExactly("A", "B");
        assertThat(drain()).containsExactly("C", "D");
        stores.assertSettled(queue, 0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDropRequeuedHighPriorityHeadsWhenOverMaxLength(StoreKind kind) {
        use(kind, "x-max-priority", 5, "x-max-length", 2, "x-dead-letter-exchange", "dlx");
        publish("X5", 5, "Y1", 1);
        get();
        Delivery y1 = get();
        publish("C1", 1, "D1", 1);

        queue.settle(CHANNEL, new long[] {y1.deliveryId() - 1, y1.deliveryId()}, SettleOutcome.REQUEUE);

        assertThat(deadLetters).containsExactly("X5", "Y1");
        assertThat(drain()).containsExactly("C1", "D1");
        stores.assertSettled(queue, 0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldLetARequeueTakeARejectPublishQueueOverItsLimit(StoreKind kind) {
        use(kind, "x-max-length", 2, "x-overflow", "reject-publish");
        publish("A", -1, "B", -1);
        Delivery a = get();
        publish("C", -1);

        queue.settle(CHANNEL, a.deliveryId(), SettleOutcome.REQUEUE);
        assertThat(queue.counts().join().messageCount()).isEqualTo(3);
        PublishConfirm refused = new PublishConfirm(1);
        queue.enqueue(message("D", -1, null), refused);

        assertThat(refused.accepted()).isCompletedExceptionally();
        assertThat(drain()).containsExactly("A*", "B", "C");
        stores.assertSettled(queue, 0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldCountAndExpireMessagesOfEveryPriority(StoreKind kind) {
        use(kind, "x-max-priority", 3, "x-dead-letter-exchange", "dlx");
        queue.enqueue(message("short3", 3, "1000"), null);
        queue.enqueue(message("long0", 0, null), null);
        queue.enqueue(message("short1", 1, "1000"), null);
        queue.enqueue(message("long2", 2, null), null);
        assertThat(queue.counts().join().messageCount()).isEqualTo(4);

        timer.advance(1500);

        assertThat(deadLetters).containsExactlyInAnyOrder("short3", "short1");
        assertThat(deathReasons).containsOnly(DeathReason.EXPIRED);
        assertThat(queue.counts().join().messageCount()).isEqualTo(2);
        assertThat(drain()).containsExactly("long2", "long0");
        stores.assertSettled(queue, 0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldPurgeEveryPriorityButNotTheUnacked(StoreKind kind) {
        use(kind, "x-max-priority", 4);
        publish("a4", 4, "b0", 0, "c2", 2, "d4", 4, "e0", 0);
        Delivery a4 = get();

        assertThat(queue.purge().join()).isEqualTo(4);
        queue.settle(CHANNEL, a4.deliveryId(), SettleOutcome.REQUEUE);

        assertThat(drain()).containsExactly("a4*");
        stores.assertSettled(queue, 0);
    }
}
