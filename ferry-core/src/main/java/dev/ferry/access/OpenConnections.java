package dev.ferry.access;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many connections each user and each virtual host has open, and channels each user has open
 * across its connections, checked against their limits ({@link UserLimits}, {@link VirtualHostLimits})
 * when one more is asked for. Counted once per connection or channel, never per message.
 *
 * <p>A limit lowered below the current count refuses new ones only; nothing open is closed.
 *
 * <p>Thread safety: any thread. A check and its increment are one atomic step per counter.
 */
public final class OpenConnections {
    private final AccessControl access;
    private final ConcurrentHashMap<String, AtomicInteger> connectionsByUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> connectionsByVirtualHost = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> channelsByUser = new ConcurrentHashMap<>();

    OpenConnections(AccessControl access) {
        this.access = access;
    }

    /**
     * Counts a new connection of {@code user} to {@code virtualHost}, or refuses it with RabbitMQ's text
     * (the caller closes with 530 NOT_ALLOWED). On success the caller must call {@link #connectionClosed}.
     *
     * @return null when admitted, else the refusal text
     */
    public String admitConnection(String user, String virtualHost) {
        int vhostLimit = access.virtualHostLimits(virtualHost).maxConnections();
        if (!tryIncrement(connectionsByVirtualHost, virtualHost, vhostLimit)) {
            return "access to vhost '" + virtualHost + "' refused for user '" + user + "': connection limit ("
                    + vhostLimit + ") is reached";
        }
        int userLimit = access.userLimits(user).maxConnections();
        if (!tryIncrement(connectionsByUser, user, userLimit)) {
            decrement(connectionsByVirtualHost, virtualHost);
            return "Connection refused for user '" + user + "': user connection limit (" + userLimit + ") is reached";
        }
        return null;
    }

    public void connectionClosed(String user, String virtualHost) {
        decrement(connectionsByVirtualHost, virtualHost);
        decrement(connectionsByUser, user);
    }

    /**
     * Counts a new channel of {@code user}, or refuses it with RabbitMQ's text (530 NOT_ALLOWED).
     *
     * @return null when admitted, else the refusal text
     */
    public String admitChannel(String user) {
        int limit = access.userLimits(user).maxChannels();
        if (!tryIncrement(channelsByUser, user, limit)) {
            return "number of channels opened for user '" + user + "' has reached the maximum allowed user limit of ("
                    + limit + ")";
        }
        return null;
    }

    public void channelClosed(String user) {
        decrement(channelsByUser, user);
    }

    public int connections(String user) {
        AtomicInteger count = connectionsByUser.get(user);
        return count == null ? 0 : count.get();
    }

    public int connectionsTo(String virtualHost) {
        AtomicInteger count = connectionsByVirtualHost.get(virtualHost);
        return count == null ? 0 : count.get();
    }

    private static boolean tryIncrement(ConcurrentHashMap<String, AtomicInteger> counts, String key, int limit) {
        AtomicInteger count = counts.computeIfAbsent(key, k -> new AtomicInteger());
        while (true) {
            int current = count.get();
            if (limit >= 0 && current >= limit) {
                return false;
            }
            if (count.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    private static void decrement(ConcurrentHashMap<String, AtomicInteger> counts, String key) {
        AtomicInteger count = counts.get(key);
        if (count != null) {
            count.decrementAndGet();
        }
    }
}
