package dev.ferry.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's identity as Kafka clients see it: a cluster id and a node (broker) id, the same
 * after every restart. Kept in {@code <data>/meta.properties}, in the layout Kafka uses for its own
 * (a person who knows Kafka finds it where they expect):
 * <pre>
 *   version=1
 *   cluster.id=&lt;22 characters, base64url of 16 random bytes, Kafka's Uuid text form&gt;
 *   node.id=1
 * </pre>
 * Created on the first start; never rewritten afterwards.
 *
 * @param clusterId the cluster id, in Kafka's text form
 * @param nodeId the broker id clients address
 */
public record ClusterIdentity(String clusterId, int nodeId) {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterIdentity.class);
    static final String FILE = "meta.properties";
    /** Kafka's quick-start node id: a single-node cluster's broker is node 1. */
    static final int DEFAULT_NODE_ID = 1;

    /**
     * Reads {@code <dataDirectory>/meta.properties}, creating it with a new cluster id if absent.
     *
     * @throws IOException if it cannot be read or written, or does not hold both ids
     */
    public static ClusterIdentity loadOrCreate(Path dataDirectory) throws IOException {
        Path file = dataDirectory.resolve(FILE);
        if (Files.exists(file)) {
            Map<String, String> pairs = SmallFiles.readPairs(file);
            String clusterId = pairs.get("cluster.id");
            String nodeId = pairs.get("node.id");
            if (clusterId == null || clusterId.isEmpty() || nodeId == null) {
                throw new IOException(file + " lacks cluster.id or node.id; fix or remove it (clients will see a new cluster)");
            }
            try {
                return new ClusterIdentity(clusterId, Integer.parseInt(nodeId));
            } catch (NumberFormatException e) {
                throw new IOException(file + ": node.id '" + nodeId + "' is not a number", e);
            }
        }
        Files.createDirectories(dataDirectory);
        ClusterIdentity identity = new ClusterIdentity(newClusterId(), DEFAULT_NODE_ID);
        SmallFiles.writeDurably(file, "version=1\ncluster.id=" + identity.clusterId() + "\nnode.id=" + identity.nodeId() + "\n");
        LOG.info("New cluster id {} (node {}) written to {}", identity.clusterId(), identity.nodeId(), file);
        return identity;
    }

    /** A random cluster id in Kafka's text form: 16 bytes, URL-safe base64 without padding. */
    static String newClusterId() {
        UUID uuid = UUID.randomUUID();
        ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }
}
