package dev.ferry.queue;

import java.util.OptionalLong;

import dev.ferry.error.BrokerException;

/**
 * The per-message TTL in a message's {@code expiration} property: a string of decimal
 * milliseconds. Checked when the message is published, with RabbitMQ's 406 texts, so a queue only
 * ever sees valid values.
 */
public final class MessageTtl {
    private MessageTtl() {
    }

    /**
     * The TTL in milliseconds, or empty when {@code expiration} is null.
     *
     * @throws BrokerException 406 PRECONDITION_FAILED when it is not a non-negative integer
     */
    public static OptionalLong parse(String expiration) {
        if (expiration == null) {
            return OptionalLong.empty();
        }
        long ttl;
        try {
            ttl = Long.parseLong(expiration);
        } catch (NumberFormatException e) {
            throw invalid(expiration, "no_integer");
        }
        if (ttl < 0) {
            throw invalid(expiration, "{value_negative," + ttl + "}");
        }
        return OptionalLong.of(ttl);
    }

    /** Like {@link #parse} for an expiration already checked at publish; invalid values mean none. */
    static OptionalLong parseChecked(String expiration) {
        try {
            return parse(expiration);
        } catch (BrokerException e) {
            return OptionalLong.empty();
        }
    }

    private static BrokerException invalid(String expiration, String reason) {
        return BrokerException.preconditionFailed("PRECONDITION_FAILED - invalid expiration '" + expiration + "': " + reason);
    }
}
