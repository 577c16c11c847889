package dev.ferry.amqp.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.error.BrokerException;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.InMemoryMessageStore;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.SettleOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The channel's unacked tags against a plain sorted map as the model, with real queues (run inline)
 * receiving the settlements: random deliveries with gaps in the tags, single and multiple acks.
 */
class UnackedDeliveriesTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);

    private static MessageQueue queue(String name) {
        QueueSettings settings = new QueueSettings("/", name, false, OptionalLong.empty(), false, QueueArguments.NONE);
        return new MessageQueue(settings, new InMemoryMessageStore(), Runnable::run, q -> { });
    }

    /** Puts a message in the queue and takes it unacked: returns its queue-local delivery id. */
    private static long deliver(MessageQueue queue) {
        queue.enqueue(new Message("", queue.name(), MessageProperties.EMPTY, new byte[1]), null);
        return queue.get(CHANNEL, false).join().delivery().orElseThrow().deliveryId();
    }

    @Test
    void behavesLikeASortedMapOfTagsWhateverTheOrderOfAcks() {
        List<MessageQueue> queues = List.of(queue("a"), queue("b"), queue("c"));
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            UnackedDeliveries unacked = new UnackedDeliveries();
            TreeMap<Long, MessageQueue> model = new TreeMap<>();
            long tag = 0;
            for (int step = 0; step < 2_000; step++) {
                int action = random.nextInt(10);
                if (action < 5 || model.isEmpty()) {
                    tag += 1 + (random.nextInt(4) == 0 ? random.nextInt(50) : 0); // no-ack deliveries leave gaps
                    MessageQueue queue = queues.get(random.nextInt(queues.size()));
                    unacked.add(tag, queue, deliver(queue));
                    model.put(tag, queue);
                } else if (action < 8) {
                    List<Long> tags = new ArrayList<>(model.keySet());
                    long chosen = tags.get(random.nextInt(tags.size()));
                    unacked.settle(CHANNEL, chosen, false, SettleOutcome.ACK);
                    model.remove(chosen);
                } else {
                    List<Long> tags = new ArrayList<>(model.keySet());
                    long upTo = tags.get(random.nextInt(tags.size()));
                    unacked.settle(CHANNEL, upTo, true, SettleOutcome.ACK);
                    model.headMap(upTo, true).clear();
                }
                assertThat(unacked.size()).isEqualTo(model.size());
                long probe = 1 + random.nextInt((int) tag);
                assertThat(unacked.contains(probe)).as("tag %d at step %d (seed %d)", probe, step, seed)
                        .isEqualTo(model.containsKey(probe));
            }
            for (MessageQueue queue : queues) {
                long expected = model.values().stream().filter(q -> q == queue).count();
                assertThat(queue.unackedCount()).as("unacked in %s (seed %d)", queue, seed).isEqualTo(expected);
            }
            unacked.settle(CHANNEL, 0, true, SettleOutcome.ACK);
            assertThat(unacked.size()).isZero();
            queues.forEach(queue -> assertThat(queue.unackedCount()).isZero());
        }
    }

    @Test
    void anUnknownOrAlreadySettledTagIsRefusedAndSettlesNothing() {
        MessageQueue queue = queue("q");
        UnackedDeliveries unacked = new UnackedDeliveries();
        unacked.add(1, queue, deliver(queue));
        unacked.add(2, queue, deliver(queue));
        unacked.settle(CHANNEL, 1, false, SettleOutcome.ACK);
        for (long bad : new long[] {1, 3}) {
            for (boolean multiple : new boolean[] {false, true}) {
                assertThatThrownBy(() -> unacked.settle(CHANNEL, bad, multiple, SettleOutcome.ACK))
                        .isInstanceOf(BrokerException.class)
                        .hasMessage("PRECONDITION_FAILED - unknown delivery tag " + bad);
            }
        }
        assertThat(unacked.size()).isEqualTo(1);
        assertThat(queue.unackedCount()).isEqualTo(1);
    }

    @Test
    void oneOldUnackedTagDoesNotPinTheSlotsOfLaterDeliveries() {
        MessageQueue queue = queue("q");
        UnackedDeliveries unacked = new UnackedDeliveries();
        unacked.add(1, queue, deliver(queue)); // held for the whole test
        for (long tag = 2; tag < 100_000; tag++) {
            unacked.add(tag, queue, deliver(queue));
            unacked.settle(CHANNEL, tag, false, SettleOutcome.ACK);
        }
        assertThat(unacked.size()).isEqualTo(1);
        assertThat(unacked.contains(1)).isTrue();
        unacked.settle(CHANNEL, 1, true, SettleOutcome.ACK);
        assertThat(queue.unackedCount()).isZero();
    }

    /**
     * A transaction's settlements against the model: taken tags leave the set at once (taking one
     * again is 406), the queues still hold them until commit, and rollback puts them back in tag
     * order among the deliveries that arrived meanwhile, so "multiple" works on them again.
     */
    @Test
    void takenTagsLeaveTheSetAndRollbackPutsThemBackInOrder() {
        List<MessageQueue> queues = List.of(queue("a"), queue("b"));
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            UnackedDeliveries unacked = new UnackedDeliveries();
            TreeMap<Long, MessageQueue> model = new TreeMap<>();
            List<TakenDeliveries> transaction = new ArrayList<>();
            long tag = 0;
            for (int step = 0; step < 500; step++) {
                int action = random.nextInt(10);
                if (action < 4 || model.isEmpty()) {
                    tag += 1 + random.nextInt(3);
                    MessageQueue queue = queues.get(random.nextInt(queues.size()));
                    unacked.add(tag, queue, deliver(queue));
                    model.put(tag, queue);
                } else if (action < 8) {
                    List<Long> tags = new ArrayList<>(model.keySet());
                    long chosen = tags.get(random.nextInt(tags.size()));
                    boolean multiple = random.nextBoolean();
                    TakenDeliveries taken = unacked.take(chosen, multiple);
                    var expected = multiple ? model.headMap(chosen, true) : model.subMap(chosen, true, chosen, true);
                    assertThat(taken.tags()).containsExactly(expected.keySet().stream().mapToLong(Long::longValue).toArray());
                    expected.clear();
                    transaction.add(taken);
                    assertThatThrownBy(() -> unacked.take(chosen, false))
                            .hasMessage("PRECONDITION_FAILED - unknown delivery tag " + chosen);
                } else {
                    for (TakenDeliveries taken : transaction) {
                        unacked.restore(taken);
                        for (int i = 0; i < taken.tags().length; i++) {
                            model.put(taken.tags()[i], taken.queues()[i]);
                        }
                    }
                    transaction.clear();
                }
                assertThat(unacked.size()).isEqualTo(model.size());
                long probe = 1 + random.nextInt((int) tag);
                assertThat(unacked.contains(probe)).as("tag %d at step %d (seed %d)", probe, step, seed)
                        .isEqualTo(model.containsKey(probe));
            }
            for (TakenDeliveries taken : transaction) {
                UnackedDeliveries.settle(CHANNEL, taken, SettleOutcome.ACK);
            }
            unacked.settle(CHANNEL, 0, true, SettleOutcome.ACK);
            queues.forEach(queue -> assertThat(queue.unackedCount()).as("seed %d", 0).isZero());
        }
    }
}
