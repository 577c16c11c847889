package dev.ferry.stream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Utils;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.store.FieldCodec;
import dev.ferry.text.LosslessUtf8;

/**
 * How an AMQP message and a Kafka record stand for each other in a stream (a topic seen from
 * AMQP). The layout is chosen so that a Kafka consumer reads an AMQP publish naturally (key = routing
 * key, value = body, text headers as text) and an AMQP message comes back from the stream exactly
 * as it was published.
 *
 * <pre>
 * AMQP                         Kafka record
 * body                         value
 * routing key                  key (UTF-8), unless a key header was named: then that header's
 *                              value is the key and header "amqp.routing-key" keeps the routing key
 * exchange                     header "amqp.exchange" (always written; marks a record published over AMQP)
 * timestamp property (s)       record timestamp = seconds x 1000, and header "amqp.timestamp";
 *                              without the property the timestamp is the time of the append
 * content-type, content-encoding, delivery-mode, priority, correlation-id, reply-to, expiration,
 * message-id, type, user-id, app-id, cluster-id
 *                              header "amqp." + the property's name, its value as text (numbers in decimal)
 * headers table present        header "amqp.headers" (empty value), so an empty table stays an empty table
 * application header, a string whose name does not start with "amqp."
 *                              header of the same name, value UTF-8
 * any other application header header "amqp.header." + its name, value typed: one tag byte and the
 *                              payload of Ferry's field encoding ({@link FieldCodec}: 'S' string,
 *                              'l' long, 'I' int, 't' boolean, 'T' timestamp in ms, 'F' table, ...)
 * </pre>
 *
 * A record from a Kafka producer (no "amqp.exchange" header) is delivered with exchange "", routing
 * key = its key as text (no key: ""), timestamp property = its timestamp in whole seconds, and each
 * of its headers as an application header: a string when the bytes are UTF-8, a byte array
 * otherwise, void when the value is null. Headers named "amqp.*" are read by the rules above
 * whoever wrote them; one that does not parse (a bad number, a bad typed value) is delivered as an
 * ordinary header. A repeated Kafka header name keeps its last value.
 *
 * <p>Text goes through {@link LosslessUtf8}, so strings that held bytes other than UTF-8 come back
 * byte for byte. Stateless and thread-safe.
 */
public final class AmqpRecordMapping {
    public static final String PREFIX = "amqp.";
    public static final String EXCHANGE = "amqp.exchange";
    public static final String ROUTING_KEY = "amqp.routing-key";
    public static final String HEADERS_PRESENT = "amqp.headers";
    public static final String TYPED_HEADER_PREFIX = "amqp.header.";
    public static final String CONTENT_TYPE = "amqp.content-type";
    public static final String CONTENT_ENCODING = "amqp.content-encoding";
    public static final String DELIVERY_MODE = "amqp.delivery-mode";
    public static final String PRIORITY = "amqp.priority";
    public static final String CORRELATION_ID = "amqp.correlation-id";
    public static final String REPLY_TO = "amqp.reply-to";
    public static final String EXPIRATION = "amqp.expiration";
    public static final String MESSAGE_ID = "amqp.message-id";
    public static final String TIMESTAMP = "amqp.timestamp";
    public static final String TYPE = "amqp.type";
    public static final String USER_ID = "amqp.user-id";
    public static final String APP_ID = "amqp.app-id";
    public static final String CLUSTER_ID = "amqp.cluster-id";

    private static final byte[] EMPTY = new byte[0];

    private AmqpRecordMapping() {
    }

    /**
     * The record for an AMQP message.
     *
     * @param key   the Kafka key: the routing key's bytes, or a named header's value
     * @param nowMs the record's timestamp when the message carries no timestamp property
     */
    public static SimpleRecord toRecord(Message message, byte[] key, long nowMs) {
        MessageProperties properties = message.properties();
        List<Header> headers = new ArrayList<>();
        addText(headers, EXCHANGE, message.exchange());
        byte[] routingKey = LosslessUtf8.encode(message.routingKey());
        if (!java.util.Arrays.equals(routingKey, key)) {
            headers.add(new RecordHeader(ROUTING_KEY, routingKey));
        }
        addText(headers, CONTENT_TYPE, properties.contentType());
        addText(headers, CONTENT_ENCODING, properties.contentEncoding());
        if (properties.deliveryMode() != 0) {
            addText(headers, DELIVERY_MODE, Integer.toString(properties.deliveryMode()));
        }
        if (properties.priority() >= 0) {
            addText(headers, PRIORITY, Integer.toString(properties.priority()));
        }
        addText(headers, CORRELATION_ID, properties.correlationId());
        addText(headers, REPLY_TO, properties.replyTo());
        addText(headers, EXPIRATION, properties.expiration());
        addText(headers, MESSAGE_ID, properties.messageId());
        if (properties.timestamp() != null) {
            addText(headers, TIMESTAMP, Long.toString(properties.timestamp()));
        }
        addText(headers, TYPE, properties.type());
        addText(headers, USER_ID, properties.userId());
        addText(headers, APP_ID, properties.appId());
        addText(headers, CLUSTER_ID, properties.clusterId());
        if (properties.headers() != null) {
            headers.add(new RecordHeader(HEADERS_PRESENT, EMPTY));
            for (Map.Entry<String, Object> header : properties.headers().entrySet()) {
                String name = header.getKey();
                Object value = header.getValue();
                if (value instanceof String text && !name.startsWith(PREFIX) && !LosslessUtf8.hasEscapes(text)
                        && !LosslessUtf8.hasEscapes(name)) {
                    headers.add(new RecordHeader(name, LosslessUtf8.encode(text)));
                } else {
                    headers.add(new RecordHeader(TYPED_HEADER_PREFIX + name, typed(value)));
                }
            }
        }
        long timestampMs = properties.timestamp() != null ? properties.timestamp() * 1000 : nowMs;
        // The body as it is held (no copy of a large one off the heap): the caller encodes it at once.
        return new SimpleRecord(timestampMs, key == null ? null : ByteBuffer.wrap(key), message.messageBody().buffer(),
                headers.toArray(Header[]::new));
    }

    /** The AMQP message a stream consumer receives for a record (not yet carrying x-stream-offset). */
    public static Message toMessage(Record record) {
        byte[] key = record.hasKey() ? Utils.toArray(record.key()) : null;
        byte[] body = record.hasValue() ? Utils.toArray(record.value()) : EMPTY;
        Map<String, String> text = new LinkedHashMap<>();
        Map<String, Object> applicationHeaders = new LinkedHashMap<>();
        boolean headersPresent = false;
        for (Header header : record.headers()) {
            String name = header.key();
            byte[] value = header.value();
            if (name.equals(HEADERS_PRESENT)) {
                headersPresent = true;
            } else if (name.startsWith(TYPED_HEADER_PREFIX) && value != null) {
                Object decoded = fromTyped(value);
                if (decoded != NOT_TYPED) {
                    applicationHeaders.put(name.substring(TYPED_HEADER_PREFIX.length()), decoded);
                } else {
                    applicationHeaders.put(name, value);
                }
            } else if (isProperty(name) && value != null) {
                text.put(name, LosslessUtf8.decode(value));
            } else if (value == null) {
                applicationHeaders.put(name, null);
            } else {
                applicationHeaders.put(name, LosslessUtf8.isValid(value, 0, value.length)
                        ? LosslessUtf8.decode(value) : value);
            }
        }
        boolean fromAmqp = text.containsKey(EXCHANGE);
        String exchange = fromAmqp ? text.remove(EXCHANGE) : "";
        String routingKey = text.containsKey(ROUTING_KEY) ? text.remove(ROUTING_KEY)
                : key == null ? "" : LosslessUtf8.decode(key);
        int deliveryMode = number(text, DELIVERY_MODE, 0, 255, 0, applicationHeaders);
        int priority = number(text, PRIORITY, 0, 255, -1, applicationHeaders);
        Long timestamp;
        String timestampText = text.remove(TIMESTAMP);
        if (timestampText != null && parsesAsLong(timestampText)) {
            timestamp = Long.parseLong(timestampText);
        } else {
            if (timestampText != null) {
                applicationHeaders.put(TIMESTAMP, timestampText);
            }
            timestamp = fromAmqp || record.timestamp() < 0 ? null : Math.floorDiv(record.timestamp(), 1000L);
        }
        Map<String, Object> headers = headersPresent || !applicationHeaders.isEmpty() ? applicationHeaders : null;
        MessageProperties properties = new MessageProperties(text.get(CONTENT_TYPE), text.get(CONTENT_ENCODING),
                headers, deliveryMode, priority, text.get(CORRELATION_ID), text.get(REPLY_TO), text.get(EXPIRATION),
                text.get(MESSAGE_ID), timestamp, text.get(TYPE), text.get(USER_ID), text.get(APP_ID),
                text.get(CLUSTER_ID));
        return new Message(exchange, routingKey, properties, body);
    }

    /**
     * The partition a key goes to in a topic of {@code partitionCount} partitions: Kafka's default
     * partitioner for a keyed record (murmur2 of the key bytes, made positive, modulo the count),
     * so an AMQP publish lands where a Kafka producer with the same key would put its record.
     */
    public static int partitionFor(byte[] key, int partitionCount) {
        return partitionCount == 1 ? 0 : Utils.toPositive(Utils.murmur2(key)) % partitionCount;
    }

    private static boolean isProperty(String name) {
        return switch (name) {
            case EXCHANGE, ROUTING_KEY, CONTENT_TYPE, CONTENT_ENCODING, DELIVERY_MODE, PRIORITY, CORRELATION_ID,
                 REPLY_TO, EXPIRATION, MESSAGE_ID, TIMESTAMP, TYPE, USER_ID, APP_ID, CLUSTER_ID -> true;
            default -> false;
        };
    }

    /** A decimal property in range, or the absent value; one that does not parse is kept as a header. */
    private static int number(Map<String, String> text, String name, int min, int max, int absent,
                              Map<String, Object> applicationHeaders) {
        String value = text.remove(name);
        if (value == null) {
            return absent;
        }
        if (value.length() <= 3 && value.chars().allMatch(Character::isDigit) && !value.isEmpty()) {
            int parsed = Integer.parseInt(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        }
        applicationHeaders.put(name, value);
        return absent;
    }

    private static boolean parsesAsLong(String text) {
        try {
            Long.parseLong(text);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void addText(List<Header> headers, String name, String value) {
        if (value != null) {
            headers.add(new RecordHeader(name, LosslessUtf8.encode(value)));
        }
    }

    private static byte[] typed(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            FieldCodec.writeValue(out, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static final Object NOT_TYPED = new Object();

    /** A typed value, or {@link #NOT_TYPED} when the bytes are not one whole encoded value. */
    private static Object fromTyped(byte[] value) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
            Object decoded = FieldCodec.readValue(in);
            return in.available() == 0 ? decoded : NOT_TYPED;
        } catch (IOException | RuntimeException e) {
            return NOT_TYPED;
        }
    }
}
