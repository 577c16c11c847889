package dev.ferry.route;

import java.util.List;
import java.util.function.Consumer;

import dev.ferry.message.Message;

/**
 * Routes by pattern over dot-separated words ({@code *} one word, {@code #} any number), using a
 * {@link TopicTrie}; a message's sender-selected (CC / BCC) keys are matched too. Thread safety as
 * in {@link Exchange}.
 */
public final class TopicExchange extends Exchange {
    private final TopicTrie trie = new TopicTrie();

    public TopicExchange(ExchangeSettings settings) {
        super(settings);
    }

    @Override
    public void route(Message message, Consumer<Destination> sink) {
        trie.match(message.routingKey(), sink);
        List<String> extraKeys = message.extraRoutingKeysOrNull();
        if (extraKeys != null) {
            for (String key : extraKeys) {
                trie.match(key, sink);
            }
        }
    }

    @Override
    protected void indexBinding(Binding binding) {
        trie.add(binding.routingKey(), binding.destination());
    }

    @Override
    protected void unindexBinding(Binding binding) {
        trie.remove(binding.routingKey(), binding.destination());
    }
}
