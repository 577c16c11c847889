package dev.ferry.amqp;

import dev.ferry.access.AccessControl;
import dev.ferry.access.LoginThrottle;
import dev.ferry.amqp.auth.AccessControlAuthenticator;
import dev.ferry.amqp.auth.Authenticator;
import dev.ferry.amqp.auth.PasswordAuthenticator;
import dev.ferry.amqp.auth.VirtualHostDirectory;
import dev.ferry.amqp.codec.AmqpFrames;
import dev.ferry.amqp.connection.ChannelMethodHandlerFactory;
import dev.ferry.amqp.connection.NotImplementedChannelHandler;
import dev.ferry.broker.ResourceAlarm;
import dev.ferry.front.ContentBudget;
import dev.ferry.front.tls.TlsContextProvider;
import dev.ferry.front.registry.ClientConnections;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * Everything the AMQP front can be configured with, defaulting to RabbitMQ's values. Set what you
 * need, then {@link AmqpServer} calls {@link #conclude()} once at start, which rejects each wrong
 * value with a message naming it. Not thread-safe; not to be changed after the server starts.
 */
public final class AmqpConfig {
    /** RabbitMQ's largest accepted message; also the most a single byte[] body may reasonably hold. */
    public static final int MESSAGE_BYTES_LIMIT = 512 * 1024 * 1024;
    /**
     * Event loops at most: enough that the connections of most deployments each have a thread of
     * their own (docs/benchmarks/ingress-memory.md, "A loop per connection"); loops are made only
     * as connections need them.
     */
    public static final int DEFAULT_IO_THREADS = 64;
    /** RabbitMQ 4's default largest message. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private List<String> hosts = List.of("0.0.0.0");
    private List<InetAddress> addresses;
    private int port = 5672;
    private int ioThreads = DEFAULT_IO_THREADS;
    private int channelMax = 2047;
    private int frameMax = 131072;
    private int heartbeatSeconds = 60;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private long handshakeTimeoutMs = 10_000;
    private long closeTimeoutMs = 3_000;
    private long refusalDelayMs = 3_000;
    private String productVersion = "0.1.0";
    private String clusterName = "ferry@localhost";
    private Authenticator authenticator = PasswordAuthenticator.guestOnLoopback();
    private VirtualHostDirectory virtualHosts = VirtualHostDirectory.of("/");
    private ChannelMethodHandlerFactory channelHandlerFactory = NotImplementedChannelHandler::new;
    private ResourceAlarm resourceAlarm = new ResourceAlarm();
    private ContentBudget contentBudget;
    private ClientConnections clientConnections = new ClientConnections();
    private AccessControl accessControl;
    private LoginThrottle loginThrottle = new LoginThrottle();
    private TlsContextProvider tls;

    /** Checks every value once; throws {@link IllegalArgumentException} naming the first bad one. */
    public AmqpConfig conclude() {
        addresses = resolve(hosts);
        Objects.requireNonNull(authenticator, "authenticator");
        Objects.requireNonNull(virtualHosts, "virtualHosts");
        Objects.requireNonNull(channelHandlerFactory, "channelHandlerFactory");
        Objects.requireNonNull(resourceAlarm, "resourceAlarm");
        if (contentBudget == null) {
            contentBudget = new ContentBudget(ContentBudget.defaultLimitBytes(Runtime.getRuntime().maxMemory()));
        }
        check(port >= 0 && port <= 65535, "port " + port + " is outside 0..65535");
        check(ioThreads >= 0, "ioThreads " + ioThreads + " is negative (0 means Netty's default)");
        check(channelMax >= 1 && channelMax <= 65535, "channelMax " + channelMax + " is outside 1..65535");
        check(frameMax >= AmqpFrames.FRAME_MIN_SIZE, "frameMax " + frameMax + " is below the AMQP minimum 4096");
        check(heartbeatSeconds >= 0 && heartbeatSeconds <= 65535,
                "heartbeatSeconds " + heartbeatSeconds + " is outside 0..65535");
        check(maxMessageBytes >= 0 && maxMessageBytes <= MESSAGE_BYTES_LIMIT,
                "maxMessageBytes " + maxMessageBytes + " is outside 0.." + MESSAGE_BYTES_LIMIT);
        check(handshakeTimeoutMs > 0, "handshakeTimeoutMs must be positive");
        check(closeTimeoutMs > 0, "closeTimeoutMs must be positive");
        check(refusalDelayMs >= 0, "refusalDelayMs must not be negative");
        return this;
    }

    /** Each address once, in the order given; a name is resolved to its first address. */
    private static List<InetAddress> resolve(List<String> hosts) {
        Objects.requireNonNull(hosts, "hosts");
        check(!hosts.isEmpty(), "no address to listen on");
        LinkedHashSet<InetAddress> resolved = new LinkedHashSet<>();
        for (String host : hosts) {
            // An empty name would resolve to the loopback address, which nobody asked for.
            check(host != null && !host.isBlank(), "an empty listen address in " + hosts);
            try {
                resolved.add(InetAddress.getByName(host.strip()));
            } catch (UnknownHostException e) {
                check(false, "listen address '" + host + "' cannot be resolved");
            }
        }
        return List.copyOf(resolved);
    }

    private static void check(boolean valid, String message) {
        if (!valid) {
            throw new IllegalArgumentException("AMQP configuration: " + message);
        }
    }

    /** The one address to bind; "127.0.0.1" keeps the broker to this machine. */
    public AmqpConfig host(String value) {
        hosts = List.of(value);
        return this;
    }

    /**
     * The addresses to bind, all on the same port (for example the loopback address of each
     * family, "127.0.0.1" and "::1"); an IPv6 address this machine cannot have is skipped (see
     * {@link dev.ferry.front.ListenAddresses}).
     */
    public AmqpConfig hosts(List<String> values) {
        hosts = List.copyOf(values);
        return this;
    }

    /** The port to bind; 0 picks a free one, which {@link AmqpServer#start()} returns. */
    public AmqpConfig port(int value) {
        port = value;
        return this;
    }

    /**
     * The most event loops (threads) for connections, made as connections need them; each new
     * connection goes to the loop with the fewest, so up to this many have one of their own. 0 for
     * Netty's default of twice the cores.
     */
    public AmqpConfig ioThreads(int value) {
        ioThreads = value;
        return this;
    }

    /** The highest channel number offered in connection.tune. */
    public AmqpConfig channelMax(int value) {
        channelMax = value;
        return this;
    }

    /** The largest frame, in octets including its 8 octets of overhead, offered in connection.tune. */
    public AmqpConfig frameMax(int value) {
        frameMax = value;
        return this;
    }

    /** The heartbeat interval offered in connection.tune; 0 proposes none. */
    public AmqpConfig heartbeatSeconds(int value) {
        heartbeatSeconds = value;
        return this;
    }

    /** The largest message body accepted; a larger one closes its channel with 406. */
    public AmqpConfig maxMessageBytes(int value) {
        maxMessageBytes = value;
        return this;
    }

    /** How long a client may take from TCP connect to connection.open-ok. */
    public AmqpConfig handshakeTimeoutMs(long value) {
        handshakeTimeoutMs = value;
        return this;
    }

    /** How long to wait for close-ok after sending connection.close before dropping the socket. */
    public AmqpConfig closeTimeoutMs(long value) {
        closeTimeoutMs = value;
        return this;
    }

    /**
     * How long a connection refused without an answer during the handshake (a failed login from a
     * client without the {@code authentication_failure_close} capability, a broken frame before
     * tune-ok) waits, unread, before its socket closes; RabbitMQ waits 3 s, which slows down a
     * client guessing passwords one connection after another.
     */
    public AmqpConfig refusalDelayMs(long value) {
        refusalDelayMs = value;
        return this;
    }

    public AmqpConfig productVersion(String value) {
        productVersion = value;
        return this;
    }

    /**
     * The cluster_name of connection.start's server properties when none was set through the
     * access control (RabbitMQ sends its node name by default).
     */
    public AmqpConfig clusterName(String value) {
        clusterName = value;
        return this;
    }

    public AmqpConfig authenticator(Authenticator value) {
        authenticator = value;
        return this;
    }

    public AmqpConfig virtualHosts(VirtualHostDirectory value) {
        virtualHosts = value;
        return this;
    }

    /**
     * Users, virtual hosts, permissions and limits: logins are checked against it (replacing
     * {@link #authenticator(Authenticator)} and {@link #virtualHosts(VirtualHostDirectory)}), and so
     * are connection.open and the connection limits. Without it every logged-in user may do anything.
     */
    public AmqpConfig accessControl(AccessControl value) {
        accessControl = value;
        authenticator = new AccessControlAuthenticator(value);
        virtualHosts = value::virtualHostExists;
        return this;
    }

    /** Null when logins are checked by a plain {@link Authenticator}. */
    public AccessControl accessControl() {
        return accessControl;
    }

    /** Delays the answers to logins from addresses that failed before (one per server; shared by its connections). */
    public AmqpConfig loginThrottle(LoginThrottle value) {
        loginThrottle = value;
        return this;
    }

    public LoginThrottle loginThrottle() {
        return loginThrottle;
    }

    /** Creates the per-channel handler that implements the channel semantics. */
    public AmqpConfig channelHandlerFactory(ChannelMethodHandlerFactory value) {
        channelHandlerFactory = value;
        return this;
    }

    /** The alarm that pauses publishers; connections opened while it is raised start blocked. */
    public AmqpConfig resourceAlarm(ResourceAlarm value) {
        this.resourceAlarm = value;
        return this;
    }

    public ResourceAlarm resourceAlarm() {
        return resourceAlarm;
    }

    /**
     * The broker-wide budget for message bodies being received (shared with any other front); by
     * default a sixty-fourth of the maximum heap, set by {@link #conclude()}.
     */
    public AmqpConfig contentBudget(ContentBudget value) {
        this.contentBudget = value;
        return this;
    }

    public ContentBudget contentBudget() {
        return contentBudget;
    }

    /**
     * Makes this an AMQPS listener: every accepted connection is TLS with this provider's current
     * context, and a client whose certificate the handshake verified may log in with SASL EXTERNAL.
     * Null (the default) for plain AMQP.
     */
    public AmqpConfig tls(TlsContextProvider value) {
        this.tls = value;
        return this;
    }

    public TlsContextProvider tls() {
        return tls;
    }

    /** The listener's name in log lines: "AMQPS" over TLS, "AMQP 0-9-1" otherwise. */
    public String listenerName() {
        return tls == null ? "AMQP 0-9-1" : "AMQPS";
    }

    /** Where open connections are listed for the management API (a private registry by default). */
    public AmqpConfig clientConnections(ClientConnections value) {
        this.clientConnections = Objects.requireNonNull(value, "clientConnections");
        return this;
    }

    public ClientConnections clientConnections() {
        return clientConnections;
    }

    /** The addresses to bind, resolved by {@link #conclude()}. */
    public List<InetAddress> addresses() {
        if (addresses == null) {
            throw new IllegalStateException("conclude() has not been called");
        }
        return addresses;
    }

    public int port() {
        return port;
    }

    public int ioThreads() {
        return ioThreads;
    }

    public int channelMax() {
        return channelMax;
    }

    public int frameMax() {
        return frameMax;
    }

    public int heartbeatSeconds() {
        return heartbeatSeconds;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public long handshakeTimeoutMs() {
        return handshakeTimeoutMs;
    }

    public long closeTimeoutMs() {
        return closeTimeoutMs;
    }

    public long refusalDelayMs() {
        return refusalDelayMs;
    }

    public String productVersion() {
        return productVersion;
    }

    /**
     * The cluster name a new connection is shown: the one set through the access control
     * (management API {@code PUT /api/cluster-name}) as it stands now, else the configured default.
     */
    public String clusterName() {
        return accessControl == null ? clusterName : accessControl.clusterName().orElse(clusterName);
    }

    public Authenticator authenticator() {
        return authenticator;
    }

    public VirtualHostDirectory virtualHosts() {
        return virtualHosts;
    }

    public ChannelMethodHandlerFactory channelHandlerFactory() {
        return channelHandlerFactory;
    }
}
