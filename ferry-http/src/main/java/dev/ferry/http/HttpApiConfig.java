package dev.ferry.http;

import dev.ferry.access.AccessControl;
import dev.ferry.access.LoginThrottle;
import dev.ferry.front.tls.TlsContextProvider;
import dev.ferry.broker.Broker;
import dev.ferry.broker.ResourceAlarm;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.stream.TopicRegistry;
import dev.ferry.front.registry.ClientConnections;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * Everything the management API is built from: where it listens, the broker it shows, the
 * connections the fronts registered, the users who may log in. {@link #conclude()} checks it once.
 */
public final class HttpApiConfig {
    private java.nio.file.Path dataDirectory;
    private long diskFreeLimitBytes;
    private SyncLatency syncLatency;
    /** Longest request line plus headers accepted; past it the connection gets 431 and is closed. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

    private List<InetAddress> addresses = List.of(InetAddress.getLoopbackAddress());
    private int port = 15672;
    private TlsContextProvider tls;
    private int ioThreads = 1;
    private int workerThreads = 2;
    private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
    private int maxBodyBytes = 64 * 1024 * 1024;
    private Broker broker;
    private ClientConnections connections = new ClientConnections();
    private ResourceAlarm resourceAlarm = new ResourceAlarm();
    private ApiUsers users;
    private LoginThrottle loginThrottle = new LoginThrottle();
    private AccessControl accessControl;
    private String nodeName = "ferry@localhost";
    private String productVersion = "0";
    private long statisticsIntervalMs = 5000;
    private TopicRegistry topics;
    private GroupCoordinator groups;
    private String streamVirtualHost = "/";
    private NodeListeners listeners = new NodeListeners();
    private String clusterId;
    private TlsContextProvider serverCertificates;

    public HttpApiConfig addresses(List<InetAddress> value) {
        this.addresses = List.copyOf(value);
        return this;
    }

    public List<InetAddress> addresses() {
        return addresses;
    }

    /** 0 picks a free port. */
    /** Makes this an HTTPS listener with this provider's current certificate (null, the default: plain HTTP). */
    public HttpApiConfig tls(TlsContextProvider value) {
        this.tls = value;
        return this;
    }

    public TlsContextProvider tls() {
        return tls;
    }

    public HttpApiConfig port(int value) {
        this.port = value;
        return this;
    }

    public int port() {
        return port;
    }

    public HttpApiConfig ioThreads(int value) {
        this.ioThreads = value;
        return this;
    }

    public int ioThreads() {
        return ioThreads;
    }

    /** Threads that run requests (JSON, waiting for queues' answers), so event loops only move bytes. */
    public HttpApiConfig workerThreads(int value) {
        this.workerThreads = value;
        return this;
    }

    public int workerThreads() {
        return workerThreads;
    }

    public HttpApiConfig maxHeaderBytes(int value) {
        this.maxHeaderBytes = value;
        return this;
    }

    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /** Largest request body (a message published through the API); past it: 413 and the connection closes. */
    public HttpApiConfig maxBodyBytes(int value) {
        this.maxBodyBytes = value;
        return this;
    }

    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    public HttpApiConfig broker(Broker value) {
        this.broker = value;
        return this;
    }

    public Broker broker() {
        return broker;
    }

    public HttpApiConfig connections(ClientConnections value) {
        this.connections = value;
        return this;
    }

    public ClientConnections connections() {
        return connections;
    }

    public HttpApiConfig resourceAlarm(ResourceAlarm value) {
        this.resourceAlarm = value;
        return this;
    }

    public ResourceAlarm resourceAlarm() {
        return resourceAlarm;
    }

    /** Delays the answers to failed logins from addresses that failed before (the broker's one, shared with AMQP and Kafka). */
    public HttpApiConfig loginThrottle(LoginThrottle value) {
        this.loginThrottle = value;
        return this;
    }

    public LoginThrottle loginThrottle() {
        return loginThrottle;
    }

    public HttpApiConfig users(ApiUsers value) {
        this.users = value;
        return this;
    }

    public ApiUsers users() {
        return users;
    }

    /**
     * The broker's users, permissions and virtual hosts: logs API users in and serves
     * /api/users, /api/permissions and PUT / DELETE /api/vhosts/{name}. Sets {@link #users} too.
     */
    public HttpApiConfig accessControl(AccessControl value) {
        this.accessControl = value;
        this.users = new AccessControlUsers(value);
        return this;
    }

    /** Null when the API was given only {@link #users}: then the user and permission endpoints answer 404. */
    public AccessControl accessControl() {
        return accessControl;
    }

    /** The node name shown in /api/nodes and each object's "node" field. */
    /** Where the broker keeps its data: {@code /api/nodes} reports the free space there. */
    public HttpApiConfig dataDirectory(java.nio.file.Path value, long freeLimitBytes) {
        this.dataDirectory = value;
        this.diskFreeLimitBytes = freeLimitBytes;
        return this;
    }

    public java.nio.file.Path dataDirectory() {
        return dataDirectory;
    }

    public long diskFreeLimitBytes() {
        return diskFreeLimitBytes;
    }

    /** The log's sync times, for {@code /api/nodes}; none when not given. */
    public HttpApiConfig syncLatency(SyncLatency value) {
        this.syncLatency = value;
        return this;
    }

    public SyncLatency syncLatency() {
        return syncLatency;
    }

    public HttpApiConfig nodeName(String value) {
        this.nodeName = value;
        return this;
    }

    public String nodeName() {
        return nodeName;
    }

    /**
     * How often message counters are sampled for their rates (RabbitMQ's
     * {@code collect_statistics_interval}, 5000 ms by default).
     */
    public HttpApiConfig statisticsIntervalMs(long value) {
        if (value < 100) {
            throw new IllegalArgumentException("statistics interval must be at least 100 ms, got " + value);
        }
        this.statisticsIntervalMs = value;
        return this;
    }

    public long statisticsIntervalMs() {
        return statisticsIntervalMs;
    }

    /** The streams (Kafka topics) {@code /api/streams} lists; none when not set. */
    public HttpApiConfig topics(TopicRegistry value) {
        this.topics = value;
        return this;
    }

    public TopicRegistry topics() {
        return topics;
    }

    /** The consumer groups {@code /api/groups} lists; none when not set. */
    public HttpApiConfig groups(GroupCoordinator value) {
        this.groups = value;
        return this;
    }

    public GroupCoordinator groups() {
        return groups;
    }

    /** The virtual host streams and groups belong to (the server's {@code --stream-virtual-host}). */
    public HttpApiConfig streamVirtualHost(String value) {
        this.streamVirtualHost = Objects.requireNonNull(value, "streamVirtualHost");
        return this;
    }

    public String streamVirtualHost() {
        return streamVirtualHost;
    }

    public HttpApiConfig productVersion(String value) {
        this.productVersion = value;
        return this;
    }

    public String productVersion() {
        return productVersion;
    }

    /** A protocol listener on every address, shown in /api/overview ("amqp" → 5672); for brokers that do not share a {@link NodeListeners}. */
    public HttpApiConfig listener(String protocol, int listenerPort) {
        listeners.add(protocol, "::", listenerPort, false);
        return this;
    }

    /**
     * The node's listeners, filled in by the broker as it binds them (shared by its HTTP and
     * HTTPS API servers, so each reports the other's port too).
     */
    public HttpApiConfig listeners(NodeListeners value) {
        this.listeners = Objects.requireNonNull(value, "listeners");
        return this;
    }

    public NodeListeners listeners() {
        return listeners;
    }

    /**
     * The cluster's stable id (the one Kafka clients are given), shown as RabbitMQ's global
     * parameter {@code internal_cluster_id}; null leaves that parameter out.
     */
    public HttpApiConfig clusterId(String value) {
        this.clusterId = value;
        return this;
    }

    public String clusterId() {
        return clusterId;
    }

    /**
     * The certificates the node's TLS listeners serve, for the certificate-expiration health
     * check (null: no TLS listener). Not what this API server listens with: that is {@link #tls}.
     */
    public HttpApiConfig serverCertificates(TlsContextProvider value) {
        this.serverCertificates = value;
        return this;
    }

    public TlsContextProvider serverCertificates() {
        return serverCertificates;
    }

    HttpApiConfig conclude() {
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(users, "users");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(resourceAlarm, "resourceAlarm");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("HTTP port must be between 0 and 65535, got " + port);
        }
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("HTTP: no address to listen on");
        }
        return this;
    }
}
