package dev.ferry.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One API request, decoded: the method, the path below {@code /api} split at {@code /} and
 * percent-decoded per segment (so {@code %2F} is the virtual host "/"), the query parameters, the
 * body, the logged-in user and the request's headers.
 *
 * @param headers looks a header up by name (case-insensitive), null when absent
 */
public record ApiRequest(String method, List<String> path, Map<String, String> query, byte[] body, ApiUser user,
                         Function<String, String> headers) {

    static final ObjectMapper JSON = new ObjectMapper();

    public ApiRequest {
        path = List.copyOf(path);
        query = Map.copyOf(query);
    }

    /** Path segment {@code index}, or null past the end. */
    public String segment(int index) {
        return index < path.size() ? path.get(index) : null;
    }

    public String queryParameter(String name) {
        return query.get(name);
    }

    /** The body as a JSON object; an empty body is an empty object (RabbitMQ accepts PUT without one). */
    public ObjectNode jsonObject() {
        if (body.length == 0) {
            return JSON.createObjectNode();
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("not_json");
        } catch (IOException e) {
            throw ApiException.badRequest("not_json");
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest("not_json");
        }
        return object;
    }
}
