package dev.ferry.route;

import java.util.function.Consumer;

import dev.ferry.message.Message;

/** Routes every message to every bound destination, whatever the key. Thread safety as in {@link Exchange}. */
public final class FanoutExchange extends Exchange {
    private final DestinationSet destinations = new DestinationSet();

    public FanoutExchange(ExchangeSettings settings) {
        super(settings);
    }

    @Override
    public void route(Message message, Consumer<Destination> sink) {
        destinations.forEach(sink);
    }

    @Override
    protected void indexBinding(Binding binding) {
        destinations.add(binding.destination());
    }

    @Override
    protected void unindexBinding(Binding binding) {
        destinations.remove(binding.destination());
    }
}
