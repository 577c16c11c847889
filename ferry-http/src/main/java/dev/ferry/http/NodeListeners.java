package dev.ferry.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The listeners this node has bound, under RabbitMQ's protocol names ({@code amqp},
 * {@code amqp/ssl}, {@code http}, {@code https}, {@code http/prometheus}) and Ferry's own
 * ({@code kafka}, {@code kafka/ssl}): what {@code /api/overview} lists and the port-listener and
 * protocol-listener health checks look in. One instance is shared by the HTTP and HTTPS API
 * servers; the broker adds each listener once it is bound, so a listener that is not yet (or no
 * longer) bound is not reported. Safe to read from any thread.
 */
public final class NodeListeners {
    /**
     * One bound address of a listener.
     *
     * @param tls whether clients are served over TLS with the node's certificate
     */
    public record Listener(String protocol, String ipAddress, int port, boolean tls) {
        public Listener {
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(ipAddress, "ipAddress");
        }
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    /** Adds a listener bound to {@code ipAddress} (the text form of the address, {@code ::} for every one). */
    public NodeListeners add(String protocol, String ipAddress, int port, boolean tls) {
        listeners.add(new Listener(protocol, ipAddress, port, tls));
        return this;
    }

    /** In the order they were added. */
    public List<Listener> all() {
        return List.copyOf(listeners);
    }

    /** The listeners served over TLS (whose certificate the certificate-expiration check reads). */
    public List<Listener> tls() {
        List<Listener> secured = new ArrayList<>();
        for (Listener listener : listeners) {
            if (listener.tls()) {
                secured.add(listener);
            }
        }
        return secured;
    }
}
