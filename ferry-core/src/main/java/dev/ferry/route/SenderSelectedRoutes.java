package dev.ferry.route;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ferry.error.BrokerException;
import dev.ferry.message.Message;

/**
 * Sender-selected distribution, RabbitMQ's extension of AMQP 0-9-1: a publisher names more routing
 * keys in the {@code CC} and {@code BCC} headers (arrays of strings), and direct and topic
 * exchanges (the default exchange among them) route the message by each of them as well as by its
 * routing key. {@code BCC} is taken out of the headers before anything else sees the message, so no
 * consumer learns of it; its keys stay with the message ({@link Message#extraRoutingKeysOrNull()}).
 *
 * <p>Rules, checked against RabbitMQ 3.10: header names are case-sensitive; a {@code CC} or
 * {@code BCC} that is not an array refuses the message with 406 and RabbitMQ's text naming its
 * type; entries of the array that are not strings are skipped (an empty string is a key like any
 * other); a queue reached by several keys gets one copy.
 *
 * <p>Stateless. A message without headers, or without either header, costs two map lookups and
 * comes back as it was.
 */
public final class SenderSelectedRoutes {
    public static final String CC = "CC";
    public static final String BCC = "BCC";

    private SenderSelectedRoutes() {
    }

    /**
     * The message as routing and queues take it: its CC and BCC keys as extra routing keys, and its
     * headers without BCC.
     *
     * @throws BrokerException 406 when CC or BCC is present but not an array
     */
    public static Message resolve(Message message) {
        Map<String, Object> headers = message.properties().headers();
        if (headers == null) {
            return message;
        }
        Object cc = headers.get(CC);
        Object bcc = headers.get(BCC);
        if (cc == null && bcc == null && !headers.containsKey(CC) && !headers.containsKey(BCC)) {
            return message;
        }
        List<String> keys = new ArrayList<>();
        addKeys(CC, cc, headers.containsKey(CC), keys);
        addKeys(BCC, bcc, headers.containsKey(BCC), keys);
        Map<String, Object> delivered = headers;
        if (headers.containsKey(BCC)) {
            delivered = new LinkedHashMap<>(headers);
            delivered.remove(BCC);
        }
        return new Message(message.exchange(), message.routingKey(),
                delivered == headers ? message.properties() : message.properties().withHeaders(delivered),
                message.messageBody(), keys);
    }

    /** The string entries of a CC header as RabbitMQ lists them in x-death: anything else is skipped. */
    public static List<String> ccKeys(Map<String, Object> headers) {
        if (headers == null || !(headers.get(CC) instanceof List<?> entries)) {
            return List.of();
        }
        List<String> keys = new ArrayList<>(entries.size());
        for (Object entry : entries) {
            if (entry instanceof String key) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static void addKeys(String header, Object value, boolean present, List<String> keys) {
        if (!present) {
            return;
        }
        if (!(value instanceof List<?> entries)) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - invalid message: {unacceptable_type_in_header,\""
                    + header + "\"," + amqpTypeName(value) + "}");
        }
        for (Object entry : entries) {
            // Only long strings count, as in RabbitMQ; byte arrays, numbers, tables are skipped.
            if (entry instanceof String key) {
                keys.add(key);
            }
        }
    }

    /** The name RabbitMQ gives a field value's type in its error texts. */
    static String amqpTypeName(Object value) {
        if (value == null) {
            return "void";
        }
        if (value instanceof String) {
            return "longstr";
        }
        if (value instanceof Integer) {
            return "signedint";
        }
        if (value instanceof Long) {
            return "long";
        }
        if (value instanceof Short) {
            return "short";
        }
        if (value instanceof Byte) {
            return "byte";
        }
        if (value instanceof Boolean) {
            return "bool";
        }
        if (value instanceof Float) {
            return "float";
        }
        if (value instanceof Double) {
            return "double";
        }
        if (value instanceof BigDecimal) {
            return "decimal";
        }
        if (value instanceof Date) {
            return "timestamp";
        }
        if (value instanceof byte[]) {
            return "binary";
        }
        if (value instanceof Map) {
            return "table";
        }
        return value.getClass().getSimpleName();
    }
}
