package dev.ferry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.message.MessageProperties;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Messages in RabbitMQ's management JSON: the {@code properties} object of publish and get, and
 * payloads as text or base64.
 */
final class MessageJson {
    private MessageJson() {
    }

    /** The properties object of a message published through the API; 400 for a field of the wrong type. */
    static MessageProperties properties(JsonNode node) {
        if (node == null || node.isNull()) {
            return MessageProperties.EMPTY;
        }
        if (!node.isObject()) {
            throw ApiException.badRequest("properties must be an object");
        }
        ObjectNode json = (ObjectNode) node;
        Map<String, Object> headers = null;
        if (json.hasNonNull("headers")) {
            if (!json.get("headers").isObject()) {
                throw ApiException.badRequest("properties.headers must be an object");
            }
            headers = tableOf((ObjectNode) json.get("headers"));
        }
        return new MessageProperties(text(json, "content_type"), text(json, "content_encoding"), headers,
                integer(json, "delivery_mode", 0), integer(json, "priority", -1), text(json, "correlation_id"),
                text(json, "reply_to"), text(json, "expiration"), text(json, "message_id"),
                json.hasNonNull("timestamp") ? Long.valueOf(integer(json, "timestamp", 0)) : null, text(json, "type"),
                text(json, "user_id"), text(json, "app_id"), text(json, "cluster_id"));
    }

    private static String text(ObjectNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        return value.isValueNode() ? value.asText() : value.toString();
    }

    private static int integer(ObjectNode json, String field, int absent) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return absent;
        }
        if (value.canConvertToInt()) {
            return value.asInt();
        }
        if (value.isTextual()) {
            try {
                return Integer.parseInt(value.asText());
            } catch (NumberFormatException e) {
                // Falls through to the refusal below.
            }
        }
        throw ApiException.badRequest("properties." + field + " must be an integer");
    }

    /** A JSON object as an AMQP field table (arguments, headers): numbers, strings, booleans, nested tables and arrays. */
    static Map<String, Object> tableOf(ObjectNode json) {
        Map<String, Object> table = new LinkedHashMap<>();
        json.fields().forEachRemaining(field -> table.put(field.getKey(), valueOf(field.getValue())));
        return table;
    }

    private static Object valueOf(JsonNode node) {
        if (node.isObject()) {
            return tableOf((ObjectNode) node);
        }
        if (node.isArray()) {
            List<Object> items = new ArrayList<>();
            node.forEach(item -> items.add(valueOf(item)));
            return items;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.decimalValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isNull()) {
            return null;
        }
        return node.asText();
    }

    /**
     * The properties of a message as RabbitMQ's get shows them: only the fields that are set, and
     * (as RabbitMQ does for a message with none) an empty array rather than an empty object.
     */
    static Object propertiesJson(MessageProperties properties) {
        Map<String, Object> shown = new LinkedHashMap<>();
        putIfSet(shown, "content_type", properties.contentType());
        putIfSet(shown, "content_encoding", properties.contentEncoding());
        if (properties.deliveryMode() != 0) {
            shown.put("delivery_mode", properties.deliveryMode());
        }
        if (properties.priority() >= 0) {
            shown.put("priority", properties.priority());
        }
        putIfSet(shown, "correlation_id", properties.correlationId());
        putIfSet(shown, "reply_to", properties.replyTo());
        putIfSet(shown, "expiration", properties.expiration());
        putIfSet(shown, "message_id", properties.messageId());
        putIfSet(shown, "timestamp", properties.timestamp());
        putIfSet(shown, "type", properties.type());
        putIfSet(shown, "user_id", properties.userId());
        putIfSet(shown, "app_id", properties.appId());
        putIfSet(shown, "cluster_id", properties.clusterId());
        if (properties.headers() != null && !properties.headers().isEmpty()) {
            shown.put("headers", properties.headers());
        }
        return shown.isEmpty() ? List.of() : shown;
    }

    private static void putIfSet(Map<String, Object> shown, String field, Object value) {
        if (value != null) {
            shown.put(field, value);
        }
    }

    /** The body of a published message: {@code payload_encoding} "string" (UTF-8) or "base64". */
    static byte[] payload(String payload, String encoding) {
        if ("string".equals(encoding)) {
            return payload.getBytes(StandardCharsets.UTF_8);
        }
        if ("base64".equals(encoding)) {
            try {
                return Base64.getDecoder().decode(payload);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("payload is not valid base64");
            }
        }
        throw ApiException.badRequest("payload_encoding must be \"string\" or \"base64\", got \"" + encoding + "\"");
    }

    /** A got message's body, truncated, as UTF-8 text when {@code auto} and it is valid UTF-8, else base64. */
    static Map.Entry<String, String> payloadJson(byte[] body, int truncate, boolean auto) {
        byte[] shown = truncate >= 0 && body.length > truncate ? Arrays.copyOf(body, truncate) : body;
        if (auto) {
            try {
                String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(shown)).toString();
                return Map.entry(text, "string");
            } catch (CharacterCodingException e) {
                // Not text: shown as base64 below, as RabbitMQ does.
            }
        }
        return Map.entry(Base64.getEncoder().encodeToString(shown), "base64");
    }
}
