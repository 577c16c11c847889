package dev.ferry.kafka;

/**
 * This broker as Kafka clients see it: the node id, the cluster id and the address it tells
 * clients to connect to (Metadata's broker list). On one node the broker is also the controller
 * and the leader of every partition.
 *
 * <p>The advertised port is known only once the listener is bound (port 0 picks one), so it is set
 * after binding; requests are served only after that.
 */
public final class LocalNode {
    private final int nodeId;
    private final String clusterId;
    private final String advertisedHost;
    private volatile int advertisedPort = -1;

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

    void advertisedPort(int port) {
        this.advertisedPort = port;
    }
}
