package dev.ferry.route;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What an exchange was declared with. Compared field by field when a client redeclares it.
 *
 * @param arguments declaration arguments; only {@code alternate-exchange} has a meaning today
 */
public record ExchangeSettings(
        String name,
        ExchangeType type,
        boolean durable,
        boolean autoDelete,
        boolean internal,
        Map<String, Object> arguments) {

    /** The declaration argument naming where unroutable messages go. */
    public static final String ALTERNATE_EXCHANGE = "alternate-exchange";

    public ExchangeSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        arguments = Arguments.copyWithoutVoids(arguments);
    }

    /**
     * The exchange that receives messages this one routes nowhere. A value that is not a string is
     * ignored, as RabbitMQ ignores it.
     */
    public Optional<String> alternateExchange() {
        return arguments.get(ALTERNATE_EXCHANGE) instanceof String name ? Optional.of(name) : Optional.empty();
    }
}
