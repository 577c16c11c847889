package dev.ferry.bench.queue;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

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

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.GetResult;
import dev.ferry.queue.InMemoryMessageStore;
import dev.ferry.queue.MessagePriority;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;

/**
 * A backlog through a {@link MessageQueue} in memory: one invocation enqueues {@value #BACKLOG}
 * messages while nobody consumes, then takes them all with auto-ack gets, so every message waits
 * in the ready set and is polled from it (the path {@link QueueCycleBenchmark} skips: there every
 * message is delivered at once). Figures are per message. Direct executor, as there.
 *
 * <p>{@code maxPriority}: {@code none} is a classic queue (what must not get slower with priority
 * queues in the code); {@code 10} a priority queue whose messages cycle through priorities 0-9.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class QueueBacklogBenchmark {
    static final int BACKLOG = 1000;
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);

    @State(Scope.Thread)
    public static class Backlog {
        @Param({"none", "10"})
        public String maxPriority;

        MessageQueue queue;
        Message[] messages;

        @Setup(Level.Trial)
        public void setUp() {
            QueueArguments arguments = maxPriority.equals("none") ? QueueArguments.NONE
                    : QueueArguments.parse(Map.of(QueueArguments.MAX_PRIORITY, Integer.parseInt(maxPriority)), "bench");
            QueueSettings settings = new QueueSettings("/", "bench", false, OptionalLong.empty(), false, arguments);
            queue = new MessageQueue(settings, new InMemoryMessageStore(MessagePriority.topLevel(arguments)),
                    Runnable::run, q -> { });
            messages = new Message[10];
            for (int i = 0; i < messages.length; i++) {
                MessageProperties properties = new MessageProperties(null, null, null, 0, i, null, null, null, null,
                        null, null, null, null, null);
                messages[i] = new Message("orders", "eu.acme.orders.created", properties, new byte[12]);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BACKLOG)
    public int publishThenGet(Backlog s) {
        for (int i = 0; i < BACKLOG; i++) {
            s.queue.enqueue(s.messages[i % 10], null);
        }
        int taken = 0;
        GetResult result;
        while (!(result = s.queue.get(CHANNEL, true).join()).isEmpty()) {
            taken += result.messageCount() >= 0 ? 1 : 0;
        }
        return taken;
    }
}
