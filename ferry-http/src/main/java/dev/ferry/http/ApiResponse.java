package dev.ferry.http;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * What an endpoint answers: a status and either nothing or a JSON document that is written
 * straight to the connection as it is generated (a list of 100k queues is never one string).
 */
public record ApiResponse(int status, JsonBody body) {

    /** Writes the document; called once, off the event loop. */
    @FunctionalInterface
    public interface JsonBody {
        void write(JsonGenerator json) throws IOException;
    }

    public static ApiResponse ok(JsonBody body) {
        return new ApiResponse(200, body);
    }

    /** A JSON value Jackson can write (maps, lists, strings, numbers, records of those). */
    public static ApiResponse okValue(Object value) {
        return new ApiResponse(200, json -> json.writeObject(value));
    }

    public static ApiResponse created() {
        return new ApiResponse(201, null);
    }

    public static ApiResponse noContent() {
        return new ApiResponse(204, null);
    }

    public static CompletableFuture<ApiResponse> now(ApiResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
