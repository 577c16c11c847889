package dev.ferry.kafka.api;

import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Serves one Kafka API key: takes the decoded request body (the generated {@code *RequestData}
 * class) and produces the response body ({@code *ResponseData}). One class per API key.
 *
 * <p>Called on the connection's event loop; it must not block there. Work that waits (an fsync, a
 * long poll) completes the returned stage later, from any thread; the connection writes responses
 * in request order whatever order they complete in.
 */
public interface ApiHandler {
    ApiKeys apiKey();

    /** The oldest request version served; ApiVersions advertises exactly this range. */
    short oldestVersion();

    /** The newest request version served. */
    short latestVersion();

    /**
     * The response to {@code request}, or a stage completing with {@code null} when the request
     * gets no response at all (Produce with acks=0). A stage completing exceptionally ends the
     * connection (with an ERROR line): per-topic and per-partition failures belong in the response.
     */
    CompletionStage<? extends ApiMessage> handle(RequestContext context, ApiMessage request);
}
