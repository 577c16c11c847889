package dev.ferry.amqp.channel;

import dev.ferry.amqp.auth.UserAccess;
import dev.ferry.amqp.auth.UserAccess.Kind;
import dev.ferry.error.BrokerException;
import dev.ferry.route.Exchange;
import dev.ferry.route.ExchangeType;
import java.util.Optional;

/**
 * The permissions a bind or unbind (queue or exchange) needs, in RabbitMQ's order: write on the
 * destination, then (neither end may be the default exchange) read on the source, then, when the
 * source is a topic exchange, topic read permission for the binding key.
 */
final class BindingChecks {
    private static final String DEFAULT_EXCHANGE_REFUSAL = "ACCESS_REFUSED - operation not permitted on the default exchange";

    private BindingChecks() {
    }

    static void check(ChannelSession session, Kind destinationKind, String destination, String source, String routingKey) {
        UserAccess access = session.access();
        access.checkWrite(destinationKind, destination);
        if (source.isEmpty() || destinationKind == Kind.EXCHANGE && destination.isEmpty()) {
            throw BrokerException.accessRefused(DEFAULT_EXCHANGE_REFUSAL);
        }
        access.checkRead(Kind.EXCHANGE, source);
        Optional<Exchange> exchange = session.virtualHost().exchange(source);
        if (exchange.isPresent() && exchange.get().type() == ExchangeType.TOPIC) {
            access.checkTopicRead(source, routingKey);
        }
    }
}
