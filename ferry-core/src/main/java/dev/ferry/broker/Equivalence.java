package dev.ferry.broker;

import java.util.Objects;

import dev.ferry.error.BrokerException;
import dev.ferry.route.Arguments;

/**
 * Phrases "you redeclared it differently" refusals (406) the way RabbitMQ does, so clients and
 * operators see familiar texts.
 */
final class Equivalence {
    private Equivalence() {
    }

    /** Refuses when a declared field differs, e.g. {@code durable} or {@code type}. */
    static void requireSameField(String field, Object current, Object received, String resourceDescription) {
        if (!Objects.equals(current, received)) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - inequivalent arg '" + field + "' for "
                    + resourceDescription + ": received '" + received + "' but current is '" + current + "'");
        }
    }

    /** Refuses when a declaration argument differs; integers of any width compare by value, other types must match. */
    static void requireSameArgument(String key, Object current, Object received, String resourceDescription) {
        if (current != null && received != null && !Arguments.equivalent(current, received)) {
            // Both given: worded as a field, as RabbitMQ does ("received '6' but current is '5'").
            requireSameField(key, current, received, resourceDescription);
        }
        if (!Arguments.equivalent(current, received)) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - inequivalent arg '" + key + "' for "
                    + resourceDescription + ": received " + describe(received) + " but current is " + describe(current));
        }
    }

    private static String describe(Object value) {
        return value == null ? "none" : "the value '" + value + "' of type '" + Arguments.amqpTypeName(value) + "'";
    }
}
