package dev.ferry.bench.route;

import dev.ferry.message.Message;
import dev.ferry.route.Exchange;
import dev.ferry.route.Router;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * For comparison with {@link TopicRoutingBenchmark}, through the same {@link Router}:
 * {@code direct}: a direct exchange with 10,000 bindings ({@code key-<i>} to queue {@code q<i>}),
 * keys that each reach 1 queue, taken in turn from 1,024 of them; {@code fanout}: a fanout exchange
 * bound to 20 queues (the topic benchmark's "several").
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class DirectFanoutRoutingBenchmark {
    private Exchange direct;
    private Exchange fanout;
    private Router router;
    private Message[] directMessages;
    private Message fanoutMessage;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        direct = BenchBindings.directExchange(10_000);
        fanout = BenchBindings.fanoutExchange(20);
        router = new Router(name -> null);
        directMessages = new Message[BenchBindings.KEYS_PER_KIND];
        for (int i = 0; i < directMessages.length; i++) {
            // Spread over the whole key space: key-0, key-9, key-18, ...
            directMessages[i] = BenchBindings.message("key-" + (i * 9));
            if (router.route(direct, directMessages[i]).size() != 1) {
                throw new IllegalStateException("direct key " + directMessages[i].routingKey() + " did not reach 1 queue");
            }
        }
        fanoutMessage = BenchBindings.message("anything");
        if (router.route(fanout, fanoutMessage).size() != 20) {
            throw new IllegalStateException("fanout did not reach 20 queues");
        }
    }

    @Benchmark
    public Set<String> direct() {
        Message message = directMessages[next];
        next = (next + 1) & (BenchBindings.KEYS_PER_KIND - 1);
        return router.route(direct, message);
    }

    @Benchmark
    public Set<String> fanout() {
        return router.route(fanout, fanoutMessage);
    }
}
