package dev.ferry.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** RabbitMQ's refusal of a body that lacks fields: 400 with {@code [{key_missing,a},{key_missing,b}]}. */
final class RequiredFields {
    private RequiredFields() {
    }

    static void require(ObjectNode body, String... fields) {
        List<String> missing = new ArrayList<>();
        for (String field : fields) {
            if (!body.has(field)) {
                missing.add("{key_missing," + field + "}");
            }
        }
        if (!missing.isEmpty()) {
            throw ApiException.badRequest("[" + String.join(",", missing) + "]");
        }
    }

    /** A boolean field that may be absent ({@code absent}), a JSON boolean or the text "true"/"false". */
    static boolean flag(ObjectNode body, String field, boolean absent) {
        if (!body.hasNonNull(field)) {
            return absent;
        }
        var value = body.get(field);
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isTextual() && (value.asText().equals("true") || value.asText().equals("false"))) {
            return Boolean.parseBoolean(value.asText());
        }
        throw ApiException.badRequest(field + " must be true or false");
    }

    /** An object field (arguments) that may be absent. */
    static ObjectNode object(ObjectNode body, String field) {
        if (!body.hasNonNull(field)) {
            return body.objectNode();
        }
        if (!body.get(field).isObject()) {
            throw ApiException.badRequest(field + " must be an object");
        }
        return (ObjectNode) body.get(field);
    }
}
