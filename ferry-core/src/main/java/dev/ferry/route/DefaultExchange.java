package dev.ferry.route;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.ferry.message.Message;

/**
 * The nameless direct exchange every virtual host has: a message published to it goes to the queue
 * whose name equals the routing key. The binding of every queue is implicit, so it keeps no
 * bindings and accepts none (the virtual host refuses them with 403).
 */
public final class DefaultExchange extends Exchange {
    /** The default exchange's name: the empty string. */
    public static final String NAME = "";

    public DefaultExchange() {
        super(new ExchangeSettings(NAME, ExchangeType.DIRECT, true, false, false, Map.of()));
    }

    @Override
    public void route(Message message, Consumer<Destination> sink) {
        sink.accept(Destination.queue(message.routingKey()));
        List<String> extraKeys = message.extraRoutingKeysOrNull();
        if (extraKeys != null) {
            // A direct exchange like the others: CC and BCC name more queues.
            for (String key : extraKeys) {
                sink.accept(Destination.queue(key));
            }
        }
    }

    @Override
    protected void indexBinding(Binding binding) {
        throw new UnsupportedOperationException("the default exchange takes no explicit bindings");
    }

    @Override
    protected void unindexBinding(Binding binding) {
        throw new UnsupportedOperationException("the default exchange takes no explicit bindings");
    }
}
