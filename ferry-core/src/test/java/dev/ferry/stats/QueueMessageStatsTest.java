package dev.ferry.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ChannelCredit;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.ConsumerSink;
import dev.ferry.queue.ConsumerSpec;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.GetResult;
import dev.ferry.queue.InMemoryMessageStore;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.SettleOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * A queue's message_stats counters, driven through its commands on a direct executor: what it
 * took in, handed out (by consume and by get, with and without ack), had acked, redelivered and
 * answered empty; and that readers see them only once the owner published them.
 */
class QueueMessageStatsTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);

    private static long count(MessageQueue queue, MessageCounter counter) {
        return queue.messageStats()[counter.ordinal()];
    }

    @Test
    void shouldCountWhatTheQueueTookInHandedOutAndHadAcked() {
        MessageQueue queue = new MessageQueue(new QueueSettings("/", "q", false, OptionalLong.empty(), false,
                QueueArguments.NONE), new InMemoryMessageStore(), Runnable::run, deleted -> { });
        Message message = new Message("", "q", MessageProperties.EMPTY, new byte[] {1});
        for (int i = 0; i < 5; i++) {
            queue.enqueue(message, null);
        }
        GetResult taken = queue.get(CHANNEL, false).join();
        queue.settle(CHANNEL, taken.delivery().orElseThrow().deliveryId(), SettleOutcome.REQUEUE);
        queue.get(CHANNEL, true).join();
        List<Delivery> delivered = new ArrayList<>();
        queue.consume(new ConsumerSpec(CHANNEL, "c", false, false, 0, new ChannelCredit(), 0, new ConsumerSink() {
            @Override
            public void deliver(Delivery delivery) {
                delivered.add(delivery);
            }

            @Override
            public void cancelledByBroker(String consumerTag) {
            }
        })).join();
        assertThat(delivered).hasSize(4);
        queue.settle(CHANNEL, delivered.stream().mapToLong(Delivery::deliveryId).toArray(), SettleOutcome.ACK);

        assertThat(count(queue, MessageCounter.PUBLISH)).isEqualTo(5);
        assertThat(count(queue, MessageCounter.GET)).isEqualTo(1);
        assertThat(count(queue, MessageCounter.GET_NO_ACK)).isEqualTo(1);
        assertThat(count(queue, MessageCounter.DELIVER)).isEqualTo(4);
        assertThat(count(queue, MessageCounter.REDELIVER)).isEqualTo(1);
        assertThat(count(queue, MessageCounter.ACK)).isEqualTo(4);
        assertThat(MessageCounter.deliverGet(queue.messageStats())).isEqualTo(6);
        assertThat(queue.get(CHANNEL, false).join().isEmpty()).isTrue();
        assertThat(count(queue, MessageCounter.GET_EMPTY)).isEqualTo(1);
    }

    @Test
    void shouldCountANoAckGetTheChannelHoldsAsGetNoAckAndItsSettlementAsNoAck() {
        MessageQueue queue = new MessageQueue(new QueueSettings("/", "held", false, OptionalLong.empty(), false,
                QueueArguments.NONE), new InMemoryMessageStore(), Runnable::run, deleted -> { });
        queue.enqueue(new Message("", "held", MessageProperties.EMPTY, new byte[] {1}), null);
        queue.enqueue(new Message("", "held", MessageProperties.EMPTY, new byte[] {2}), null);
        GetResult held = queue.getNoAckHeld(CHANNEL).join();
        assertThat(queue.unackedCount()).as("held until get-ok is sent").isEqualTo(1);
        queue.settle(CHANNEL, held.delivery().orElseThrow().deliveryId(), SettleOutcome.ACK);
        // A channel that closes while holding one gets it requeued, not lost.
        queue.getNoAckHeld(CHANNEL).join();
        queue.closeChannel(CHANNEL);

        assertThat(count(queue, MessageCounter.GET_NO_ACK)).isEqualTo(2);
        assertThat(count(queue, MessageCounter.GET)).isZero();
        assertThat(count(queue, MessageCounter.ACK)).isZero();
        assertThat(queue.messageCount()).isEqualTo(1);
    }

    @Test
    void shouldShowReadersOnlyWhatTheWriterPublished() {
        MessageCounts counts = new MessageCounts();
        counts.increment(MessageCounter.PUBLISH);
        counts.add(MessageCounter.ACK, 3);
        assertThat(counts.snapshot()[MessageCounter.PUBLISH.ordinal()]).isZero();
        counts.publish();
        long[] published = counts.snapshot();
        assertThat(published[MessageCounter.PUBLISH.ordinal()]).isEqualTo(1);
        assertThat(published[MessageCounter.ACK.ordinal()]).isEqualTo(3);
        counts.increment(MessageCounter.PUBLISH);
        assertThat(published[MessageCounter.PUBLISH.ordinal()]).as("a snapshot is a copy").isEqualTo(1);
        counts.publish();
        assertThat(counts.snapshot()[MessageCounter.PUBLISH.ordinal()]).isEqualTo(2);
    }

    @Test
    void shouldSumSharedCountsFromManyThreads() throws InterruptedException {
        SharedMessageCounts shared = new SharedMessageCounts();
        Thread[] writers = new Thread[4];
        for (int t = 0; t < writers.length; t++) {
            writers[t] = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    shared.increment(MessageCounter.CONFIRM);
                }
            });
            writers[t].start();
        }
        for (Thread writer : writers) {
            writer.join();
        }
        assertThat(shared.get(MessageCounter.CONFIRM)).isEqualTo(40_000);
        assertThat(shared.snapshot()[MessageCounter.CONFIRM.ordinal()]).isEqualTo(40_000);
    }
}
