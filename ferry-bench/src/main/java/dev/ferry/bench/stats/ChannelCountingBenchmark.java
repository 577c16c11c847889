package dev.ferry.bench.stats;

import dev.ferry.stats.ChannelMessageCounts;
import dev.ferry.stats.MessageCounter;
import dev.ferry.stats.SharedMessageCounts;
import dev.ferry.stats.VirtualHostMessageCounts;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What an AMQP channel's message_stats cost per message: the four counts a published, confirmed,
 * delivered and acked message makes on its channels (publish, confirm, deliver, ack), done two ways.
 *
 * <ul>
 *   <li>{@code channelOwnCounters}: the way Ferry counts now ({@link ChannelMessageCounts}): a
 *       release store into the channel's own array; the virtual host sums channels when read.</li>
 *   <li>{@code channelPlusVirtualHostAdders}: the way it counted before: a plain increment in the
 *       channel's array plus a {@link SharedMessageCounts} ({@code LongAdder}) increment on the
 *       virtual host, shared by every channel of it.</li>
 * </ul>
 *
 * Each JMH thread is one channel (its own state) of one virtual host (shared): run with
 * {@code -t 1} and {@code -t 2} to see the shared adders with one writer and with two.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ChannelCountingBenchmark {

    @State(Scope.Benchmark)
    public static class VirtualHost {
        final VirtualHostMessageCounts derived = new VirtualHostMessageCounts();
        final SharedMessageCounts adders = new SharedMessageCounts();
    }

    @State(Scope.Thread)
    public static class Channel {
        ChannelMessageCounts own;
        final long[] plain = new long[MessageCounter.count()];
        SharedMessageCounts virtualHostAdders;

        @Setup
        public void open(VirtualHost host) {
            own = host.derived.openChannel();
            virtualHostAdders = host.adders;
        }

        void countBefore(MessageCounter counter) {
            plain[counter.ordinal()]++;
            virtualHostAdders.increment(counter);
        }
    }

    @Benchmark
    public void channelOwnCounters(Channel channel) {
        channel.own.increment(MessageCounter.PUBLISH);
        channel.own.increment(MessageCounter.CONFIRM);
        channel.own.increment(MessageCounter.DELIVER);
        channel.own.increment(MessageCounter.ACK);
    }

    @Benchmark
    public void channelPlusVirtualHostAdders(Channel channel) {
        channel.countBefore(MessageCounter.PUBLISH);
        channel.countBefore(MessageCounter.CONFIRM);
        channel.countBefore(MessageCounter.DELIVER);
        channel.countBefore(MessageCounter.ACK);
    }
}
