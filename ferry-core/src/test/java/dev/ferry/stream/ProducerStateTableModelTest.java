package dev.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

/**
 * The producer state table against a model that keeps every batch ever stored and states Kafka's
 * rules over that whole history, rather than over five remembered batches: for any sequence of
 * sends (retries, gaps, old and new epochs, several producers, sequences near the wrap-around),
 * both decide the same, and what gets stored never has a gap or a duplicate within an epoch.
 */
class ProducerStateTableModelTest {

    record Send(long producerId, short epoch, int firstSequence, int recordCount) {
        int lastSequence() {
            return ProducerStateTable.lastSequence(firstSequence, recordCount);
        }
    }

    record Stored(short epoch, int firstSequence, int lastSequence, long firstOffset, long lastOffset) {
    }

    /** Every batch each producer stored, oldest first; the rules read from it directly. */
    static final class Model {
        final Map<Long, List<Stored>> history = new HashMap<>();

        /** "append", "duplicate:<firstOffset>", or an error code name. */
        String decide(Send send) {
            List<Stored> stored = history.get(send.producerId());
            if (stored == null || stored.isEmpty()) {
                return "append";
            }
            Stored last = stored.get(stored.size() - 1);
            if (send.epoch() < last.epoch()) {
                return ErrorCode.INVALID_PRODUCER_EPOCH.name();
            }
            if (send.epoch() > last.epoch()) {
                return send.firstSequence() == 0 ? "append" : ErrorCode.OUT_OF_ORDER_SEQUENCE.name();
            }
            List<Stored> sameEpoch = stored.stream().filter(s -> s.epoch() == send.epoch()).toList();
            List<Stored> recent = sameEpoch.subList(Math.max(0, sameEpoch.size() - ProducerStateTable.BATCHES_KEPT),
                    sameEpoch.size());
            for (Stored s : recent) {
                if (s.firstSequence() == send.firstSequence() && s.lastSequence() == send.lastSequence()) {
                    return "duplicate:" + s.firstOffset();
                }
            }
            int expected = last.lastSequence() == Integer.MAX_VALUE ? 0 : last.lastSequence() + 1;
            return send.firstSequence() == expected ? "append" : ErrorCode.OUT_OF_ORDER_SEQUENCE.name();
        }
    }

    /** What a producer does next; turned into a {@link Send} against what it sent so far. */
    enum Kind { NEXT, RETRY, GAP, NEW_EPOCH, OLD_EPOCH, ANY }

    record Action(Kind kind, long producerId, int parameter, int recordCount) {
    }

    /** Per producer, as the producer sees it: its epoch, next sequence, and what it sent in this epoch. */
    static final class Producer {
        short epoch;
        int nextSequence;
        final List<Send> sent = new ArrayList<>();
    }

    static Send toSend(Action action, Map<Long, Producer> producers) {
        Producer producer = producers.computeIfAbsent(action.producerId(), id -> new Producer());
        int count = action.recordCount();
        Send send = switch (action.kind()) {
            case NEXT -> new Send(action.producerId(), producer.epoch, producer.nextSequence, count);
            case RETRY -> producer.sent.isEmpty() ? new Send(action.producerId(), producer.epoch, producer.nextSequence, count)
                    : producer.sent.get(Math.max(0, producer.sent.size() - 1 - action.parameter() % 8));
            case GAP -> new Send(action.producerId(), producer.epoch, wrap(producer.nextSequence, 1 + action.parameter() % 3), count);
            case NEW_EPOCH -> new Send(action.producerId(), (short) (producer.epoch + 1),
                    action.parameter() % 4 == 0 ? 5 : 0, count);
            case OLD_EPOCH -> new Send(action.producerId(), (short) Math.max(0, producer.epoch - 1), producer.nextSequence, count);
            case ANY -> new Send(action.producerId(), (short) (action.parameter() % 3), wrap(action.parameter() % 2 == 0
                    ? 0 : Integer.MAX_VALUE - 3, action.parameter() % 7), count);
        };
        return send;
    }

    static void sent(Send send, Map<Long, Producer> producers) {
        Producer producer = producers.get(send.producerId());
        if (send.epoch() != producer.epoch) {
            producer.epoch = send.epoch();
            producer.sent.clear();
        }
        producer.sent.add(send);
        producer.nextSequence = wrap(send.lastSequence(), 1);
    }

    @Property(tries = 500, seed = "20261201")
    void shouldDecideAsTheModelDoes(@ForAll("actions") @Size(min = 1, max = 80) List<Action> actions) {
        ProducerStateTable table = new ProducerStateTable();
        Model model = new Model();
        Map<Long, Producer> producers = new HashMap<>();
        long nextOffset = 0;
        for (Action action : actions) {
            Send send = toSend(action, producers);
            String expected = model.decide(send);
            String actual;
            try {
                ProducerStateTable.Check check = table.check(send.producerId(), send.epoch(), send.firstSequence(),
                        send.lastSequence());
                actual = check.isDuplicate() ? "duplicate:" + check.duplicate().firstOffset() : "append";
            } catch (BrokerException e) {
                actual = e.errorCode().name();
            }
            assertThat(actual).as("decision for %s", send).isEqualTo(expected);
            if (actual.equals("append")) {
                sent(send, producers);
                long first = nextOffset;
                long last = first + send.recordCount() - 1;
                nextOffset = last + 1;
                table.record(send.producerId(), send.epoch(), new ProducerStateTable.BatchMetadata(send.firstSequence(),
                        send.lastSequence(), first, last, 0), 0);
                model.history.computeIfAbsent(send.producerId(), id -> new ArrayList<>())
                        .add(new Stored(send.epoch(), send.firstSequence(), send.lastSequence(), first, last));
            }
        }
        for (List<Stored> stored : model.history.values()) {
            for (int i = 1; i < stored.size(); i++) {
                Stored previous = stored.get(i - 1);
                Stored current = stored.get(i);
                if (current.epoch() == previous.epoch()) {
                    assertThat(ProducerStateTable.follows(previous.lastSequence(), current.firstSequence()))
                            .as("gapless within an epoch: %s then %s", previous, current).isTrue();
                } else {
                    assertThat(current.epoch()).isGreaterThan(previous.epoch());
                }
            }
        }
    }

    @Provide
    Arbitrary<List<Action>> actions() {
        // Mostly in-order sends, so that runs longer than the five remembered batches build up and
        // a retry can reach past them; some retries, gaps, epoch changes, and sends from nowhere
        // (including sequences just below the wrap-around).
        Arbitrary<Kind> kinds = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, Arbitraries.just(Kind.NEXT)),
                net.jqwik.api.Tuple.of(5, Arbitraries.just(Kind.RETRY)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.GAP)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.NEW_EPOCH)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.OLD_EPOCH)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.ANY)));
        Arbitrary<Action> action = Combinators.combine(kinds, Arbitraries.longs().between(1, 2),
                Arbitraries.integers().between(0, 100), Arbitraries.integers().between(1, 3)).as(Action::new);
        return action.list();
    }

    private static int wrap(int base, int delta) {
        long sequence = (long) base + delta;
        return (int) (sequence > Integer.MAX_VALUE ? sequence - Integer.MAX_VALUE - 1 : sequence);
    }
}
