package dev.ferry.route;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import dev.ferry.message.Message;

/**
 * A named router inside a virtual host: it holds bindings and, for each message, names the
 * destinations whose bindings match. Subclasses implement one {@link ExchangeType} each.
 *
 * <p>Thread safety: the binding mutators {@link #addBinding} and {@link #removeBinding} must be
 * called by one writer at a time; the virtual host calls them under its metadata lock.
 * {@link #route}, {@link #bindings()} and every accessor may be called from any thread without a
 * lock: routing runs on the publisher's thread and reads immutable snapshots the writer swaps.
 */
public abstract class Exchange {
    private final ExchangeSettings settings;
    // Resolved when it changes: routing asks for it on every message that matches nothing. The
    // declared argument wins over a policy's alternate-exchange, as in RabbitMQ.
    private final String declaredAlternateExchange;
    private volatile String alternateExchange;
    // Every binding, for unbind, if-unused and listing. A concurrent set rather than a snapshot
    // list: copying a list on each change would make declaring n bindings cost O(n^2).
    private final Set<Binding> bindingSet = ConcurrentHashMap.newKeySet();
    // message_stats publish_in / publish_out: every publisher's thread counts here, so adders.
    private final LongAdder publishIn = new LongAdder();
    private final LongAdder publishOut = new LongAdder();

    protected Exchange(ExchangeSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.declaredAlternateExchange = settings.alternateExchange().orElse(null);
        this.alternateExchange = declaredAlternateExchange;
    }

    /** The alternate exchange a policy gives this exchange (null: none); its own argument still wins. */
    public void usePolicyAlternateExchange(String policyAlternateExchange) {
        this.alternateExchange = declaredAlternateExchange != null ? declaredAlternateExchange : policyAlternateExchange;
    }

    /** Builds the exchange implementation for {@code settings.type()}. */
    public static Exchange create(ExchangeSettings settings) {
        return switch (settings.type()) {
            case DIRECT -> new DirectExchange(settings);
            case FANOUT -> new FanoutExchange(settings);
            case TOPIC -> new TopicExchange(settings);
            case HEADERS -> new HeadersExchange(settings);
        };
    }

    /** Counts one message published to this exchange that reached {@code destinations} queues or streams. */
    public void countPublished(int destinations) {
        publishIn.increment();
        if (destinations > 0) {
            publishOut.add(destinations);
        }
    }

    /** Messages published to this exchange (message_stats publish_in). */
    public long publishedIn() {
        return publishIn.sum();
    }

    /** Copies routed from this exchange to queues and streams, one per destination (message_stats publish_out). */
    public long publishedOut() {
        return publishOut.sum();
    }

    public ExchangeSettings settings() {
        return settings;
    }

    public String name() {
        return settings.name();
    }

    public ExchangeType type() {
        return settings.type();
    }

    /** The alternate exchange's name, or null when there is none. */
    public String alternateExchangeOrNull() {
        return alternateExchange;
    }

    /** Whether clients may publish to this exchange directly (only other exchanges may when internal). */
    public boolean isInternal() {
        return settings.internal();
    }

    /** A copy of the bindings whose source is this exchange, in no particular order. */
    public List<Binding> bindings() {
        return List.copyOf(bindingSet);
    }

    public boolean hasBindings() {
        return !bindingSet.isEmpty();
    }

    /**
     * Checks binding arguments before a binding is made, so a bad binding is refused rather than
     * stored; throws {@link dev.ferry.error.BrokerException} (406) when they are invalid.
     */
    public void validateBindingArguments(Map<String, Object> arguments) {
        // Most exchange types ignore binding arguments.
    }

    /** Adds a binding; returns false when the identical binding already exists. Writer only. */
    public final boolean addBinding(Binding binding) {
        if (!binding.source().equals(name())) {
            throw new IllegalArgumentException("binding " + binding + " does not belong to exchange " + name());
        }
        if (!bindingSet.add(binding)) {
            return false;
        }
        indexBinding(binding);
        return true;
    }

    /** Removes a binding; returns false when it did not exist. Writer only. */
    public final boolean removeBinding(Binding binding) {
        if (!bindingSet.remove(binding)) {
            return false;
        }
        unindexBinding(binding);
        return true;
    }

    /**
     * Names every destination whose binding matches {@code message}, possibly more than once.
     * Called on the publisher's thread; must not block or take locks.
     */
    public abstract void route(Message message, Consumer<Destination> sink);

    /** Adds a new, distinct binding to the routing index. Writer only. */
    protected abstract void indexBinding(Binding binding);

    /** Removes a binding from the routing index. Writer only. */
    protected abstract void unindexBinding(Binding binding);

    @Override
    public String toString() {
        return "exchange '" + name() + "' (" + type().wireName() + ")";
    }
}
