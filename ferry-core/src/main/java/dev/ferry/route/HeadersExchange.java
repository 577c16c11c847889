package dev.ferry.route;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;

import dev.ferry.error.BrokerException;
import dev.ferry.message.Message;
import dev.ferry.text.ErlangTerms;

/**
 * Routes by comparing message headers with each binding's arguments (see {@link HeadersMatch}).
 * Every binding is tested for every message, as in RabbitMQ; headers exchanges are meant for few
 * bindings. Thread safety as in {@link Exchange}: the matcher array is swapped on change.
 */
public final class HeadersExchange extends Exchange {
    private volatile HeadersBinding[] matchers = new HeadersBinding[0];

    public HeadersExchange(ExchangeSettings settings) {
        super(settings);
    }

    @Override
    public void validateBindingArguments(Map<String, Object> arguments) {
        if (HeadersMatch.of(arguments).isEmpty()) {
            // RabbitMQ 3.10's texts, the value printed as the Erlang term it decoded.
            Object value = arguments.get(HeadersMatch.ARGUMENT);
            if (!(value instanceof String)) {
                throw BrokerException.preconditionFailed("PRECONDITION_FAILED - Invalid x-match field type "
                        + Arguments.amqpTypeName(value) + " (value " + ErlangTerms.format(value) + "); expected longstr");
            }
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - Invalid x-match field value "
                    + ErlangTerms.format(value) + "; expected all, any, all-with-x, or any-with-x");
        }
    }

    @Override
    public void route(Message message, Consumer<Destination> sink) {
        Map<String, Object> headers = message.properties().headers();
        for (HeadersBinding matcher : matchers) {
            if (matcher.mode.matches(matcher.arguments, headers)) {
                sink.accept(matcher.destination);
            }
        }
    }

    @Override
    protected void indexBinding(Binding binding) {
        HeadersMatch mode = HeadersMatch.of(binding.arguments()).orElse(HeadersMatch.ALL);
        HeadersBinding[] current = matchers;
        HeadersBinding[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = new HeadersBinding(binding, mode, binding.arguments(), binding.destination());
        matchers = next;
    }

    @Override
    protected void unindexBinding(Binding binding) {
        matchers = Arrays.stream(matchers).filter(m -> !m.binding.equals(binding)).toArray(HeadersBinding[]::new);
    }

    private record HeadersBinding(Binding binding, HeadersMatch mode, Map<String, Object> arguments,
                                  Destination destination) {
    }
}
