package dev.ferry.access;

/**
 * RabbitMQ's user limits: how many connections and channels (across all its connections) a user may
 * have open at once. A negative value means no limit; 0 allows none.
 */
public record UserLimits(int maxConnections, int maxChannels) {
    public static final UserLimits NONE = new UserLimits(-1, -1);

    public boolean isNone() {
        return maxConnections < 0 && maxChannels < 0;
    }

    public UserLimits withMaxConnections(int value) {
        return new UserLimits(value, maxChannels);
    }

    public UserLimits withMaxChannels(int value) {
        return new UserLimits(maxConnections, value);
    }
}
