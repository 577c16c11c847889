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

    /** The longest TTL RabbitMQ accepts, per message or per queue: ten years of 365 days, in ms. */
    public static final long MAX_TTL_MS = 315_360_000_000L;

    /** Where RabbitMQ's pretty printer wraps an error term: past column 78 of its line. */
    private static final int TERM_LINE_END = 78;

    /**
     * The TTL in milliseconds, or empty when {@code expiration} is null. Read as RabbitMQ 3.10 reads
     * it (Erlang's {@code string:to_integer}): an optional sign and ASCII digits, nothing after them.
     *
     * @throws BrokerException 406 PRECONDITION_FAILED with RabbitMQ's reason: {@code no_integer},
     *     {@code {leftover_string,"..."}}, {@code {value_negative,N}} or {@code {value_too_large,N}}
     *     (above {@link #MAX_TTL_MS})
     */
    public static OptionalLong parse(String expiration) {
        if (expiration == null) {
            return OptionalLong.empty();
        }
        int length = expiration.length();
        int at = length > 0 && (expiration.charAt(0) == '+' || expiration.charAt(0) == '-') ? 1 : 0;
        int digitsStart = at;
        // Read on every publish that carries an expiration: digits summed in place, text built only to refuse.
        long ttl = 0;
        boolean overflow = false;
        while (at < length && expiration.charAt(at) >= '0' && expiration.charAt(at) <= '9') {
            int digit = expiration.charAt(at) - '0';
            overflow |= ttl > (Long.MAX_VALUE - digit) / 10;
            ttl = overflow ? ttl : ttl * 10 + digit;
            at++;
        }
        if (at == digitsStart) {
            throw invalid(expiration, "no_integer");
        }
        if (at < length) {
            String rest = expiration.substring(at).replace("\\", "\\\\").replace("\"", "\\\"");
            throw invalid(expiration, "{leftover_string,", "\"" + rest + "\"}");
        }
        if (expiration.charAt(0) == '-' && (ttl != 0 || overflow)) {
            throw invalid(expiration, "{value_negative,", "-" + withoutLeadingZeros(expiration, digitsStart) + "}");
        }
        if (overflow || ttl > MAX_TTL_MS) {
            throw invalid(expiration, "{value_too_large,", withoutLeadingZeros(expiration, digitsStart) + "}");
        }
        return OptionalLong.of(ttl);
    }

    private static String withoutLeadingZeros(String expiration, int digitsStart) {
        int first = digitsStart;
        while (first < expiration.length() - 1 && expiration.charAt(first) == '0') {
            first++;
        }
        return expiration.substring(first);
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
        return invalid(expiration, reason, "");
    }

    /**
     * RabbitMQ formats the reason, a tuple, with Erlang's pretty printer after the text before it;
     * a tuple that would pass column {@value #TERM_LINE_END} goes on two lines, its second element
     * under the first, as RabbitMQ 3.10 sends it.
     */
    private static BrokerException invalid(String expiration, String tupleStart, String tupleRest) {
        String lead = "invalid expiration '" + expiration + "': ";
        boolean wraps = !tupleRest.isEmpty() && lead.length() + tupleStart.length() + tupleRest.length() > TERM_LINE_END;
        String reason = wraps ? tupleStart + "\n" + " ".repeat(lead.length() + 1) + tupleRest : tupleStart + tupleRest;
        return BrokerException.preconditionFailed("PRECONDITION_FAILED - " + lead + reason);
    }
}
