package dev.ferry.kafka;

import dev.ferry.front.tls.TlsContextProvider;
import dev.ferry.kafka.api.ApiHandlers;
import dev.ferry.kafka.security.KafkaAuthentication;
import dev.ferry.kafka.security.KafkaCredentials;
import java.net.SocketAddress;
import java.net.InetAddress;
import java.util.List;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import java.util.Optional;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * What the Kafka listener needs, checked once by {@link #conclude()}. Defaults are Kafka's where
 * Kafka has one: port 9092, {@code socket.request.max.bytes} 100 MiB.
 */
public final class KafkaConfig {
    /** Kafka's default {@code socket.request.max.bytes}. */
    public static final int DEFAULT_REQUEST_MAX_BYTES = 100 * 1024 * 1024;

    private List<InetAddress> addresses = List.of(InetAddress.getLoopbackAddress());
    private int port = 9092;
    private int requestMaxBytes = DEFAULT_REQUEST_MAX_BYTES;
    private int ioThreads = Runtime.getRuntime().availableProcessors();
    private int maxRequestsInFlight = 64;
    private LocalNode node;
    private ApiHandlers handlers;
    private TlsContextProvider tls;
    private KafkaAuthentication authentication = new KafkaAuthentication(false, List.of(), NO_USERS);

    public KafkaConfig addresses(List<InetAddress> addresses) {
        this.addresses = List.copyOf(addresses);
        return this;
    }

    public KafkaConfig port(int port) {
        this.port = port;
        return this;
    }

    public KafkaConfig requestMaxBytes(int requestMaxBytes) {
        this.requestMaxBytes = requestMaxBytes;
        return this;
    }

    public KafkaConfig ioThreads(int ioThreads) {
        this.ioThreads = ioThreads;
        return this;
    }

    /** Requests of one connection being handled at once before the connection is no longer read. */
    public KafkaConfig maxRequestsInFlight(int maxRequestsInFlight) {
        this.maxRequestsInFlight = maxRequestsInFlight;
        return this;
    }

    public KafkaConfig node(LocalNode node) {
        this.node = node;
        return this;
    }

    /** How clients log in; by default nobody does (PLAINTEXT) and every client acts as ANONYMOUS. */
    public KafkaConfig authentication(KafkaAuthentication authentication) {
        this.authentication = authentication;
        return this;
    }

    public KafkaConfig handlers(ApiHandlers handlers) {
        this.handlers = handlers;
        return this;
    }

    /**
     * Makes this the SSL listener (Kafka's {@code listeners=SSL://...}): every connection is TLS with
     * this provider's current context. Null (the default) for the PLAINTEXT listener.
     */
    public KafkaConfig tls(TlsContextProvider tls) {
        this.tls = tls;
        return this;
    }

    public TlsContextProvider tls() {
        return tls;
    }

    /** PLAINTEXT, or SSL with {@link #tls}. */
    public SecurityProtocol securityProtocol() {
        return tls == null ? SecurityProtocol.PLAINTEXT : SecurityProtocol.SSL;
    }

    KafkaConfig conclude() {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("Kafka: at least one listen address is required");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Kafka: port must be between 0 and 65535, got " + port);
        }
        if (requestMaxBytes < 1024) {
            throw new IllegalArgumentException("Kafka: request max bytes must be at least 1024, got " + requestMaxBytes);
        }
        if (ioThreads < 1 || maxRequestsInFlight < 1) {
            throw new IllegalArgumentException("Kafka: io threads and requests in flight must be positive");
        }
        if (node == null || handlers == null || authentication == null) {
            throw new IllegalArgumentException("Kafka: the local node and the API handlers are required");
        }
        return this;
    }

    public List<InetAddress> addresses() {
        return addresses;
    }

    public int port() {
        return port;
    }

    public int requestMaxBytes() {
        return requestMaxBytes;
    }

    public int ioThreads() {
        return ioThreads;
    }

    public int maxRequestsInFlight() {
        return maxRequestsInFlight;
    }

    public LocalNode node() {
        return node;
    }

    public ApiHandlers handlers() {
        return handlers;
    }

    public KafkaAuthentication authentication() {
        return authentication;
    }

    /** No users at all: anonymous clients are let in, every login fails. For embedding and tests. */
    private static final KafkaCredentials NO_USERS = new KafkaCredentials() {
        @Override
        public boolean passwordMatches(String username, String password, SocketAddress from) {
            return false;
        }

        @Override
        public Optional<ScramCredential> scramCredential(ScramMechanism mechanism, String username, SocketAddress from) {
            return Optional.empty();
        }

        @Override
        public Optional<String> anonymousUser(SocketAddress from) {
            return Optional.of("ANONYMOUS");
        }

        @Override
        public long failedLoginDelayMs(SocketAddress from) {
            return 0;
        }

        @Override
        public void loginSucceeded(SocketAddress from) {
        }
    };
}
