package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;

/**
 * A channel's shared credit (basic.qos global=true) across several queues: what counts against it,
 * who waits at the limit, and that a freed unit goes to the queue that waited for it. The queues'
 * drains run on a manual executor, one task at a time in the order they were scheduled, so a test
 * decides exactly when each queue's owner runs, as separate owner threads would interleave.
 */
class ChannelCreditTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);

    /** Runs scheduled tasks only when told, in FIFO order. */
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private final List<ExecutorService> threads = new ArrayList<>();

    @AfterEach
    void stopThreads() {
        threads.forEach(ExecutorService::shutdownNow);
    }

    private void runAll() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
        }
    }

    private MessageQueue newQueue(String name) {
        return newQueue(name, tasks::add);
    }

    private static MessageQueue newQueue(String name, java.util.concurrent.Executor owner) {
        QueueSettings settings = new QueueSettings("/", name, false, OptionalLong.empty(), false, QueueArguments.NONE);
        return new MessageQueue(settings, new InMemoryMessageStore(), owner, q -> { });
    }

    private static void publish(MessageQueue queue, int messages) {
        for (int i = 0; i < messages; i++) {
            queue.enqueue(new Message("", queue.name(), MessageProperties.EMPTY,
                    (queue.name() + i).getBytes(StandardCharsets.UTF_8)), null);
        }
    }

    private RecordingSink consume(MessageQueue queue, boolean noAck, int prefetch, ChannelCredit credit) {
        RecordingSink sink = new RecordingSink();
        queue.consume(new ConsumerSpec(CHANNEL, "c-" + queue.name(), noAck, false, prefetch, credit, 0, sink));
        runAll();
        return sink;
    }

    @Test
    void shouldHandAFreedUnitToTheQueueThatWaitedNotToTheOneWhoseDeliveryWasAcked() {
        ChannelCredit credit = new ChannelCredit(1);
        List<MessageQueue> queues = List.of(newQueue("a"), newQueue("b"), newQueue("c"));
        List<RecordingSink> sinks = new ArrayList<>();
        for (MessageQueue queue : queues) {
            publish(queue, 6);
            sinks.add(consume(queue, false, 0, credit));
        }
        List<Integer> order = new ArrayList<>(List.of(0));

        for (int turn = 1; turn < 12; turn++) {
            // The one delivery outstanding is the last one made; ack it and see which queue delivers next.
            int holder = order.get(order.size() - 1);
            int[] before = sinks.stream().mapToInt(sink -> sink.deliveries.size()).toArray();
            queues.get(holder).settle(CHANNEL, sinks.get(holder).last().deliveryId(), SettleOutcome.ACK);
            runAll();
            List<Integer> grown = new ArrayList<>();
            for (int q = 0; q < sinks.size(); q++) {
                if (sinks.get(q).deliveries.size() > before[q]) {
                    grown.add(q);
                }
            }
            assertThat(grown).as("queues that delivered after ack %d", turn).hasSize(1);
            assertThat(sinks.get(grown.get(0)).deliveries.size()).isEqualTo(before[grown.get(0)] + 1);
            order.add(grown.get(0));
        }

        // a asked for its second unit first (right after its first delivery), then b, then c: from
        // then on each freed unit goes to the queue that has waited longest, never back to the
        // queue whose delivery was just acked while others wait.
        assertThat(order).containsExactly(0, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1);
        assertThat(credit.inUse()).isEqualTo(1);
        assertThat(credit.hasWaitingQueues()).as("two queues wait while the third holds the unit").isTrue();
    }

    @Test
    void shouldCountDeliveriesMadeBeforeALimitWasSet() {
        ChannelCredit credit = new ChannelCredit();
        MessageQueue early = newQueue("early");
        MessageQueue late = newQueue("late");
        publish(early, 3);
        publish(late, 3);
        RecordingSink earlySink = consume(early, false, 0, credit);
        assertThat(earlySink.deliveries).hasSize(3);
        assertThat(credit.inUse()).isEqualTo(3);

        credit.setLimit(2);
        RecordingSink lateSink = consume(late, false, 0, credit);

        assertThat(lateSink.deliveries).isEmpty();
        early.settle(CHANNEL, new long[] {earlySink.ids()[0], earlySink.ids()[1]}, SettleOutcome.ACK);
        runAll();
        assertThat(lateSink.deliveries).hasSize(1);
        assertThat(credit.inUse()).isEqualTo(2);
    }

    @Test
    void shouldHoldBackANoAckConsumerAtTheLimitWithoutCountingItsDeliveries() {
        ChannelCredit credit = new ChannelCredit(1);
        MessageQueue acked = newQueue("acked");
        MessageQueue autoAcked = newQueue("auto");
        publish(acked, 1);
        publish(autoAcked, 5);
        RecordingSink ackedSink = consume(acked, false, 0, credit);
        RecordingSink autoSink = consume(autoAcked, true, 0, credit);
        assertThat(ackedSink.deliveries).hasSize(1);
        assertThat(autoSink.deliveries).isEmpty();

        acked.settle(CHANNEL, ackedSink.last().deliveryId(), SettleOutcome.ACK);
        runAll();

        assertThat(autoSink.deliveries).hasSize(5);
        assertThat(credit.inUse()).as("the unit it was handed went back").isZero();
        assertThat(credit.hasWaitingQueues()).isFalse();
    }

    @Test
    void shouldGiveBackAUnitItWasHandedButCannotUse() {
        ChannelCredit credit = new ChannelCredit(1);
        MessageQueue first = newQueue("first");
        MessageQueue second = newQueue("second");
        publish(first, 1);
        publish(second, 1);
        RecordingSink firstSink = consume(first, false, 0, credit);
        consume(second, false, 0, credit);
        second.purge();
        runAll();

        first.settle(CHANNEL, firstSink.last().deliveryId(), SettleOutcome.ACK);
        runAll();

        assertThat(credit.inUse()).as("second was handed the unit, had nothing to deliver, gave it back").isZero();
        assertThat(credit.hasWaitingQueues()).isFalse();
    }

    @Test
    void shouldApplyTheChannelLimitOnTopOfEachConsumersOwn() {
        ChannelCredit credit = new ChannelCredit(3);
        MessageQueue first = newQueue("first");
        MessageQueue second = newQueue("second");
        publish(first, 5);
        publish(second, 5);

        RecordingSink firstSink = consume(first, false, 2, credit);
        RecordingSink secondSink = consume(second, false, 2, credit);

        assertThat(firstSink.deliveries).hasSize(2);
        assertThat(secondSink.deliveries).hasSize(1);
        credit.setLimit(10);
        runAll();
        assertThat(secondSink.deliveries).hasSize(2);
        assertThat(firstSink.deliveries).hasSize(2);
    }

    @Test
    void shouldRefuseANegativeLimitAndKeepTheOneItHad() {
        ChannelCredit credit = new ChannelCredit(3);

        assertThatThrownBy(() -> credit.setLimit(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> new ChannelCredit(-2)).isInstanceOf(IllegalArgumentException.class);

        assertThat(credit.limit()).isEqualTo(3);
        credit.setLimit(0);
        assertThat(credit.limit()).isZero();
    }

    @Test
    void shouldBeAtItsLimitOnlyWhenItHasOneAndEveryUnitIsTaken() {
        ChannelCredit unlimited = new ChannelCredit();
        for (int i = 0; i < 3; i++) {
            assertThat(unlimited.tryAcquire()).isTrue();
        }
        assertThat(unlimited.isAtLimit()).as("no limit: never at it").isFalse();

        ChannelCredit limited = new ChannelCredit(2);
        assertThat(limited.tryAcquire()).isTrue();
        assertThat(limited.isAtLimit()).isFalse();
        assertThat(limited.tryAcquire()).isTrue();
        assertThat(limited.isAtLimit()).isTrue();
        assertThat(limited.tryAcquire()).isFalse();
        limited.release(1);
        assertThat(limited.isAtLimit()).isFalse();
    }

    @Test
    void shouldHandAUnitFreedBeforeAWaitingQueueJoinedTheLineToThatQueue() {
        ChannelCredit credit = new ChannelCredit(1);
        MessageQueue queue = newQueue("late");
        RecordingSink sink = consume(queue, false, 0, credit);
        assertThat(credit.tryAcquire()).as("another queue's delivery holds the unit").isTrue();
        publish(queue, 1);

        // The queue's owner finds the channel at its limit; the other delivery is acked before the
        // owner joins the line, so that release found nobody waiting and the unit stayed free.
        assertThat(credit.tryAcquire()).isFalse();
        credit.release(1);
        credit.waitForUnit(queue);

        assertThat(credit.hasWaitingQueues()).as("the free unit went to the queue as it joined").isFalse();
        assertThat(credit.inUse()).isEqualTo(1);
        runAll();
        assertThat(sink.deliveries).hasSize(1);
        assertThat(credit.inUse()).isEqualTo(1);
        assertThat(credit.hasWaitingQueues()).isFalse();
    }

    @Test
    void shouldNeverExceedTheLimitAndEndWithEveryUnitBackUnderConcurrentQueues() {
        int limit = 3;
        int perQueue = 2_000;
        ChannelCredit credit = new ChannelCredit(limit);
        ExecutorService channelLoop = thread();
        List<ExecutorService> owners = List.of(thread(), thread());
        AtomicInteger outstanding = new AtomicInteger();
        AtomicInteger mostOutstanding = new AtomicInteger();
        AtomicInteger acked = new AtomicInteger();
        List<MessageQueue> queues = new ArrayList<>();
        for (int q = 0; q < 4; q++) {
            MessageQueue queue = newQueue("q" + q, owners.get(q % owners.size()));
            queues.add(queue);
            queue.consume(new ConsumerSpec(CHANNEL, "c" + q, false, false, 0, credit, 0, new ConsumerSink() {
                @Override
                public void deliver(Delivery delivery) {
                    mostOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
                    channelLoop.execute(() -> {
                        outstanding.decrementAndGet();
                        acked.incrementAndGet();
                        delivery.queue().settle(CHANNEL, delivery.deliveryId(), SettleOutcome.ACK);
                    });
                }

                @Override
                public void cancelledByBroker(String consumerTag) {
                }
            })).join();
        }
        for (MessageQueue queue : queues) {
            publish(queue, perQueue);
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> acked.get() == 4 * perQueue);
        await().atMost(Duration.ofSeconds(5)).until(() -> credit.inUse() == 0);
        assertThat(mostOutstanding.get()).isLessThanOrEqualTo(limit);
        assertThat(queues).allSatisfy(queue -> assertThat(queue.messageCount()).isZero());
    }

    private ExecutorService thread() {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        threads.add(executor);
        return executor;
    }
}
