package dev.ferry.route;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

import dev.ferry.message.Message;

/**
 * Follows a message from the exchange it was published to through exchange-to-exchange bindings
 * and alternate exchanges, and returns the names of the queues it reaches, each once.
 *
 * <p>Rules, as RabbitMQ applies them: every exchange is visited at most once per message, so
 * binding cycles end; an exchange's alternate exchange is used when that exchange's own bindings
 * matched nothing at all (not when they matched only exchanges that in turn routed nowhere);
 * destinations that no longer exist are skipped.
 *
 * <p>Thread safety: stateless and lock-free; call from any thread. Exchanges are looked up through
 * the given function, which must itself be safe to call concurrently (a concurrent map).
 */
public final class Router {
    private final Function<String, Exchange> exchangeLookup;

    public Router(Function<String, Exchange> exchangeLookup) {
        this.exchangeLookup = exchangeLookup;
    }

    /** The names of the queues {@code message} reaches from {@code start}, in first-reached order. */
    public Set<String> route(Exchange start, Message message) {
        Walk walk = new Walk(start.name());
        for (Exchange exchange = start; exchange != null; exchange = walk.nextPending()) {
            walk.matchedByCurrent = 0;
            exchange.route(message, walk);
            String alternate = exchange.alternateExchangeOrNull();
            if (walk.matchedByCurrent == 0 && alternate != null) {
                walk.visitExchange(alternate);
            }
        }
        return walk.reached();
    }

    /**
     * The state of routing one message; one per call, so concurrent publishes share nothing.
     *
     * <p>Design note: most messages meet one exchange whose bindings lead straight to queues, so
     * the bookkeeping for walking further (exchanges visited, exchanges pending) is created only
     * when a binding or an alternate exchange leads to a second exchange, and the set of queues only
     * when a second queue is reached. That keeps a publish to one queue (most publishes) to the walk
     * and a one-element result.
     */
    private final class Walk implements Consumer<Destination> {
        private final String startName;
        private String firstQueue;
        private Set<String> queues;
        private Set<String> visitedExchanges;
        private ArrayDeque<Exchange> pending;
        int matchedByCurrent;

        Walk(String startName) {
            this.startName = startName;
        }

        @Override
        public void accept(Destination destination) {
            matchedByCurrent++;
            if (destination.isQueue()) {
                String name = destination.name();
                if (firstQueue == null) {
                    firstQueue = name;
                } else if (queues != null) {
                    queues.add(name);
                } else if (!firstQueue.equals(name)) {
                    queues = new LinkedHashSet<>();
                    queues.add(firstQueue);
                    queues.add(name);
                }
            } else {
                visitExchange(destination.name());
            }
        }

        void visitExchange(String name) {
            if (visitedExchanges == null) {
                visitedExchanges = new HashSet<>();
                visitedExchanges.add(startName);
                pending = new ArrayDeque<>();
            }
            if (visitedExchanges.add(name)) {
                Exchange next = exchangeLookup.apply(name);
                if (next != null) {
                    pending.add(next);
                }
            }
        }

        Set<String> reached() {
            if (queues != null) {
                return queues;
            }
            return firstQueue == null ? Set.of() : Set.of(firstQueue);
        }

        Exchange nextPending() {
            return pending == null ? null : pending.poll();
        }
    }
}
