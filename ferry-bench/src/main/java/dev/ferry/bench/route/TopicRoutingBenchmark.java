package dev.ferry.bench.route;

import dev.ferry.message.Message;
import dev.ferry.route.Destination;
import dev.ferry.route.Exchange;
import dev.ferry.route.Router;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Routing one message through a topic exchange with 10,000 bindings (shapes and keys in
 * {@link BenchBindings}); {@code keys} picks routing keys that reach 0, 1 or 20 destinations.
 *
 * <ul>
 *   <li>{@code exchangeRoute}: {@code TopicExchange.route} alone (the trie walk), destinations
 *       handed to a sink allocated once.</li>
 *   <li>{@code router}: {@link Router#route}, what a publish does: the walk plus the set of queue
 *       names it returns, exchange-to-exchange and alternate-exchange bookkeeping included.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class TopicRoutingBenchmark {
    @Param({"none", "one", "several"})
    public String keys;

    private Exchange exchange;
    private Router router;
    private Message[] messages;
    private int next;
    private final CountingSink sink = new CountingSink();

    @Setup(Level.Trial)
    public void setUp() {
        exchange = BenchBindings.topicExchange();
        router = new Router(name -> name.equals(exchange.name()) ? exchange : null);
        List<Message> list = BenchBindings.topicKeys(keys);
        messages = list.toArray(new Message[0]);
        int expected = BenchBindings.expectedMatches(keys);
        for (Message message : messages) {
            Set<String> queues = router.route(exchange, message);
            if (queues.size() != expected) {
                throw new IllegalStateException(message.routingKey() + " reached " + queues + ", expected "
                        + expected + " queues");
            }
        }
    }

    /** Consumes each destination cheaply, so the JIT cannot drop the walk; allocated once. */
    static final class CountingSink implements Consumer<Destination> {
        int hash;

        @Override
        public void accept(Destination destination) {
            hash += System.identityHashCode(destination);
        }
    }

    private Message nextMessage() {
        Message message = messages[next];
        next = (next + 1) & (BenchBindings.KEYS_PER_KIND - 1);
        return message;
    }

    @Benchmark
    public int exchangeRoute() {
        exchange.route(nextMessage(), sink);
        return sink.hash;
    }

    @Benchmark
    public Set<String> router() {
        return router.route(exchange, nextMessage());
    }
}
