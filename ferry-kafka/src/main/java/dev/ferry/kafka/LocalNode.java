package dev.ferry.kafka;

import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * This broker as Kafka clients see it: the node id, the cluster id and the address it tells
 * clients to connect to (Metadata's broker list). On one node the broker is also the controller
 * and the leader of every partition.
 *
 * <p>The advertised port is known only once the listener is bound (port 0 picks one), so it is set
 * after binding; requests are served only after that. There is one port per listener (PLAINTEXT,
 * and SSL when configured): a client is sent to the port of the listener it came in on.
 */
public final class LocalNode {
    private final int nodeId;
    private final String clusterId;
    private final String advertisedHost;
    private volatile int advertisedPort = -1;
    private volatile int advertisedSslPort = -1;

    public LocalNode(int nodeId, String clusterId, String advertisedHost) {
        if (nodeId < 0) {
            throw new IllegalArgumentException("node id must not be negative, got " + nodeId);
        }
        if (clusterId == null || clusterId.isEmpty()) {
            throw new IllegalArgumentException("a cluster id is required");
        }
        if (advertisedHost == null || advertisedHost.isEmpty()) {
            throw new IllegalArgumentException("an advertised host is required");
        }
        this.nodeId = nodeId;
        this.clusterId = clusterId;
        this.advertisedHost = advertisedHost;
    }

    public int nodeId() {
        return nodeId;
    }

    public String clusterId() {
        return clusterId;
    }

    public String advertisedHost() {
        return advertisedHost;
    }

    public int advertisedPort() {
        return advertisedPort;
    }

    /** The port advertised to clients of {@code listener}: the SSL listener's, or the plain one's. */
    public int advertisedPort(SecurityProtocol listener) {
        return listener == SecurityProtocol.SSL ? advertisedSslPort : advertisedPort;
    }

    /** The SSL listener's port; -1 when there is none. */
    public int advertisedSslPort() {
        return advertisedSslPort;
    }

    void advertisedPort(SecurityProtocol listener, int port) {
        if (listener == SecurityProtocol.SSL) {
            this.advertisedSslPort = port;
        } else {
            this.advertisedPort = port;
        }
    }
}
