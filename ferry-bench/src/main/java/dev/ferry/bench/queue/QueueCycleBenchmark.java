package dev.ferry.bench.queue;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ChannelCredit;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.ConsumerSink;
import dev.ferry.queue.ConsumerSpec;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.InMemoryMessageStore;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.SettleOutcome;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One message's way through a {@link MessageQueue}: enqueue, delivery to a consumer, ack. The
 * queue runs on a direct executor ({@code Runnable::run}), so every command is applied, and every
 * delivery made, on the benchmark thread inside the call that posts it: the figures are the
 * queue's own cost (commands, state machine, in-memory store, unacked bookkeeping) without any
 * thread hand-off. One queue, one consumer, no TTL or length limit, no publisher confirm; every
 * operation enqueues the same immutable {@link Message} (12-byte body), since routing one to
 * several queues shares it too.
 *
 * <ul>
 *   <li>{@code ackEach} ({@code prefetch} 1 or 100): one operation enqueues a message, which is
 *       delivered at once, then acks the oldest outstanding delivery once {@code prefetch} are
 *       outstanding, with {@code settle(channel, id, ACK)}, one command per ack. With prefetch 1
 *       each message is acked right after its delivery; with 100 the consumer keeps 99-100
 *       deliveries unacked, as a pipelining client does.</li>
 *   <li>{@code batchAck100}: prefetch 100; one invocation enqueues 100 messages (each delivered at
 *       once) and settles all 100 ids with one {@code settle(channel, long[100], ACK)}, as a
 *       basic.ack with multiple=true does; figures are per message. It also reports
 *       {@code cpuNanos}, the benchmark thread's CPU time per second: divided by the throughput,
 *       CPU nanoseconds per message, which a machine busy with other work disturbs far less than
 *       wall-clock throughput ({@code ferry-bench/stats-overhead.sh} compares it between builds).</li>
 *   <li>{@code noAck}: an auto-ack consumer (no unacked bookkeeping, no settle): the enqueue and
 *       deliver half alone.</li>
 * </ul>
 *
 * <p>{@code channelCredit} is what the consumer's channel shares with its other consumers:
 * {@code none} (no {@link ChannelCredit}, as AMQP consumers had before every channel got one),
 * {@code unlimited} (a credit with no limit: what every AMQP consumer has unless the client sets
 * basic.qos global=true; it still counts deliveries) and {@code limited} (a limit of 1000, above
 * any prefetch here, so it never holds a delivery back but takes the compare-and-set path).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class QueueCycleBenchmark {
    static final int BATCH = 100;
    private static final Message MESSAGE = new Message("orders", "eu.acme.orders.created", MessageProperties.EMPTY,
            new byte[12]);
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);

    /** Records the delivery ids the queue hands over, oldest first, for the benchmark to ack. */
    static final class RecordingSink implements ConsumerSink {
        private final long[] ids = new long[256];
        private int head;
        private int tail;

        @Override
        public void deliver(Delivery delivery) {
            ids[tail++ & 255] = delivery.deliveryId();
        }

        @Override
        public void cancelledByBroker(String consumerTag) {
            throw new IllegalStateException("queue deleted under the benchmark");
        }

        int outstanding() {
            return tail - head;
        }

        long takeOldest() {
            return ids[head++ & 255];
        }
    }

    static MessageQueue queue() {
        QueueSettings settings = new QueueSettings("/", "bench", false, OptionalLong.empty(), false,
                QueueArguments.NONE);
        return new MessageQueue(settings, new InMemoryMessageStore(), Runnable::run, q -> { });
    }

    static void consume(MessageQueue queue, boolean noAck, int prefetch, String channelCredit, ConsumerSink sink) {
        queue.consume(new ConsumerSpec(CHANNEL, "ctag", noAck, false, prefetch, credit(channelCredit), 0, sink)).join();
    }

    static ChannelCredit credit(String kind) {
        return switch (kind) {
            case "none" -> null;
            case "unlimited" -> new ChannelCredit(0);
            case "limited" -> new ChannelCredit(1000);
            default -> throw new IllegalArgumentException("channelCredit: " + kind);
        };
    }

    @State(Scope.Thread)
    public static class AckEach {
        @Param({"1", "100"})
        public int prefetch;

        @Param({"none", "unlimited", "limited"})
        public String channelCredit;

        MessageQueue queue;
        RecordingSink sink;

        @Setup(Level.Trial)
        public void setUp() {
            queue = queue();
            sink = new RecordingSink();
            consume(queue, false, prefetch, channelCredit, sink);
        }
    }

    @Benchmark
    public int ackEach(AckEach s) {
        s.queue.enqueue(MESSAGE, null);
        if (s.sink.outstanding() >= s.prefetch) {
            s.queue.settle(CHANNEL, s.sink.takeOldest(), SettleOutcome.ACK);
        }
        return s.sink.outstanding();
    }

    @State(Scope.Thread)
    public static class BatchAck {
        @Param({"none", "unlimited", "limited"})
        public String channelCredit;

        MessageQueue queue;
        RecordingSink sink;
        final long[] ids = new long[BATCH];

        @Setup(Level.Trial)
        public void setUp() {
            queue = queue();
            sink = new RecordingSink();
            consume(queue, false, BATCH, channelCredit, sink);
        }
    }

    /** The benchmark thread's CPU time, summed per iteration and reported per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class CpuTime {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        public long cpuNanos;

        long now() {
            return THREADS.getCurrentThreadCpuTime();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int batchAck100(BatchAck s, CpuTime cpu) {
        long start = cpu.now();
        for (int i = 0; i < BATCH; i++) {
            s.queue.enqueue(MESSAGE, null);
        }
        RecordingSink sink = s.sink;
        if (sink.outstanding() != BATCH) {
            throw new IllegalStateException(sink.outstanding() + " outstanding, expected " + BATCH);
        }
        for (int i = 0; i < BATCH; i++) {
            s.ids[i] = sink.takeOldest();
        }
        s.queue.settle(CHANNEL, s.ids, SettleOutcome.ACK);
        cpu.cpuNanos += cpu.now() - start;
        return s.queue.unackedCount();
    }

    @State(Scope.Thread)
    public static class NoAck {
        @Param({"none", "unlimited", "limited"})
        public String channelCredit;

        MessageQueue queue;
        RecordingSink sink;

        @Setup(Level.Trial)
        public void setUp() {
            queue = queue();
            sink = new RecordingSink();
            consume(queue, true, 0, channelCredit, sink);
        }
    }

    @Benchmark
    public int noAck(NoAck s) {
        s.queue.enqueue(MESSAGE, null);
        s.sink.head = s.sink.tail;
        return s.sink.tail;
    }
}
