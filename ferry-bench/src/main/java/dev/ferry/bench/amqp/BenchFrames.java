package dev.ferry.bench.amqp;

import dev.ferry.message.MessageProperties;
import java.util.LinkedHashMap;
import java.util.Map;

/** The messages the AMQP codec benchmarks encode and decode, so that every benchmark uses the same shapes. */
final class BenchFrames {
    /** Ferry's default frame_max, so a 1 KiB body is one body frame. */
    static final int FRAME_MAX = 131072;
    static final int CHANNEL = 1;
    static final String EXCHANGE = "orders";
    static final String ROUTING_KEY = "eu.acme.orders.created";
    static final String CONSUMER_TAG = "amq.ctag-5pLqVt0Yq9sXK3mFv2Lr8w";

    private BenchFrames() {
    }

    /**
     * What a typical client puts on a message: content type, persistent delivery mode, a UUID
     * message id, a timestamp and an app id. No headers: {@link FieldTableBenchmark} covers those.
     */
    static MessageProperties properties() {
        return new MessageProperties("application/json", null, null, MessageProperties.PERSISTENT, -1, null, null,
                null, "9b2f6d1e-3c4a-4f5b-8e7d-0a1b2c3d4e5f", 1_763_740_800L, null, null, "order-service", null);
    }

    /**
     * A headers table as Spring AMQP, OpenTelemetry and a retrying consumer leave it: a type id, a
     * W3C trace context, a tenant, a retry count, a publish time and a flag; 6 entries, 194 octets
     * on the wire.
     */
    static Map<String, Object> headers() {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("__TypeId__", "com.example.orders.OrderCreated");
        headers.put("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        headers.put("tenant", "acme");
        headers.put("x-retry-count", 2);
        headers.put("published-at-ms", 1_763_740_800_123L);
        headers.put("replayed", Boolean.FALSE);
        return headers;
    }

    static byte[] body(int bytes) {
        byte[] body = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        return body;
    }
}
