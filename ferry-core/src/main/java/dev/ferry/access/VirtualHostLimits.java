package dev.ferry.access;

/**
 * RabbitMQ's virtual host limits: how many client connections and queues a virtual host may have.
 * A negative value means no limit; 0 allows none.
 */
public record VirtualHostLimits(int maxConnections, int maxQueues) {
    public static final VirtualHostLimits NONE = new VirtualHostLimits(-1, -1);

    public boolean isNone() {
        return maxConnections < 0 && maxQueues < 0;
    }

    public VirtualHostLimits withMaxConnections(int value) {
        return new VirtualHostLimits(value, maxQueues);
    }

    public VirtualHostLimits withMaxQueues(int value) {
        return new VirtualHostLimits(maxConnections, value);
    }
}
