package dev.ferry.route;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import dev.ferry.message.Message;

/**
 * Routes a message to the destinations bound with a key equal to its routing key: one hash lookup
 * per message, and one more per sender-selected (CC / BCC) key it carries. Thread safety as in {@link Exchange}.
 */
public class DirectExchange extends Exchange {
    private final ConcurrentHashMap<String, DestinationSet> byKey = new ConcurrentHashMap<>();

    public DirectExchange(ExchangeSettings settings) {
        super(settings);
    }

    @Override
    public void route(Message message, Consumer<Destination> sink) {
        DestinationSet destinations = byKey.get(message.routingKey());
        if (destinations != null) {
            destinations.forEach(sink);
        }
        List<String> extraKeys = message.extraRoutingKeysOrNull();
        if (extraKeys != null) {
            // CC / BCC keys; a destination found twice is reached once (the router's walk dedups).
            for (String key : extraKeys) {
                DestinationSet more = byKey.get(key);
                if (more != null) {
                    more.forEach(sink);
                }
            }
        }
    }

    @Override
    protected void indexBinding(Binding binding) {
        byKey.computeIfAbsent(binding.routingKey(), key -> new DestinationSet()).add(binding.destination());
    }

    @Override
    protected void unindexBinding(Binding binding) {
        DestinationSet destinations = byKey.get(binding.routingKey());
        if (destinations != null && destinations.remove(binding.destination())) {
            byKey.remove(binding.routingKey(), destinations);
        }
    }

    /** How many distinct keys have bindings; keys whose last binding went are not kept (for tests). */
    int keyCount() {
        return byKey.size();
    }
}
