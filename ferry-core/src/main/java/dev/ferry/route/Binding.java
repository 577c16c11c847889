package dev.ferry.route;

import java.util.Map;
import java.util.Objects;

/**
 * A rule that a source exchange forwards matching messages to a destination. As in AMQP, a binding
 * is identified by all four parts: the same source, destination and key with other arguments is a
 * second binding.
 *
 * @param source      the exchange the binding belongs to
 * @param destination the queue or exchange it leads to
 * @param routingKey  the binding key (a pattern for topic exchanges; ignored by fanout and headers)
 * @param arguments   binding arguments (the match table for headers exchanges); never null
 */
public record Binding(String source, Destination destination, String routingKey, Map<String, Object> arguments) {

    public Binding {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(routingKey, "routingKey");
        arguments = arguments == null ? Map.of() : Map.copyOf(withoutNullValues(arguments));
    }

    public Binding(String source, Destination destination, String routingKey) {
        this(source, destination, routingKey, Map.of());
    }

    // Map.copyOf rejects nulls, but AMQP tables carry "void" values; headers bindings use them to
    // mean "the header is present, whatever its value", so they are kept under a marker.
    private static Map<String, Object> withoutNullValues(Map<String, Object> arguments) {
        if (!Arguments.hasVoidValue(arguments)) {
            return arguments;
        }
        var copy = new java.util.HashMap<String, Object>(arguments);
        copy.replaceAll((key, value) -> value == null ? VoidValue.INSTANCE : value);
        return copy;
    }

    /** Stands for an AMQP void field value inside binding arguments. */
    public enum VoidValue { INSTANCE }
}
