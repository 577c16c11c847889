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
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One message's way through a queue's state machine, in process: enqueue, deliver to a consumer,
 * ack; {@value #BATCH} messages per invocation, the queue's owner being the benchmark thread
 * (a direct executor), so what is measured is the queue's own work per message, message_stats
 * counting included. Uses only API that predates the counters, so the same benchmark runs against
 * a ferry-core without them (put that jar first on the class path: {@code ferry-bench/stats-overhead.sh}).
 *
 * <p>Besides throughput it reports {@code cpuNanos}, the benchmark thread's CPU time (as a rate:
 * divided by the throughput it is CPU nanoseconds per message), which a machine busy with other
 * work disturbs far less than wall-clock throughput.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class QueueRoundTripBenchmark {
    private static final int BATCH = 64;
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);

    private MessageQueue queue;
    private final long[] delivered = new long[BATCH];
    private int deliveredCount;
    private Message message;

    /** The benchmark thread's CPU time, summed per iteration; JMH reports it per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class CpuTime {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        public long cpuNanos;

        long now() {
            return THREADS.getCurrentThreadCpuTime();
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        queue = new MessageQueue(new QueueSettings("/", "bench", false, OptionalLong.empty(), false,
                QueueArguments.NONE), new InMemoryMessageStore(), Runnable::run, deleted -> { });
        message = new Message("", "bench", MessageProperties.EMPTY, new byte[12]);
        queue.consume(new ConsumerSpec(CHANNEL, "c", false, false, 0, new ChannelCredit(), 0, new ConsumerSink() {
            @Override
            public void deliver(Delivery delivery) {
                delivered[deliveredCount++] = delivery.deliveryId();
            }

            @Override
            public void cancelledByBroker(String consumerTag) {
            }
        })).join();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int publishDeliverAck(CpuTime cpu) {
        long start = cpu.now();
        deliveredCount = 0;
        for (int i = 0; i < BATCH; i++) {
            queue.enqueue(message, null);
        }
        if (deliveredCount != BATCH) {
            throw new IllegalStateException("delivered " + deliveredCount + " of " + BATCH);
        }
        queue.settle(CHANNEL, delivered.clone(), SettleOutcome.ACK);
        cpu.cpuNanos += cpu.now() - start;
        return deliveredCount;
    }
}
