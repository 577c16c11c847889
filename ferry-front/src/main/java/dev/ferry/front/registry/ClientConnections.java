package dev.ferry.front.registry;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open client connections of every front, for the management API: a front adds a connection
 * once its handshake is done and removes it when the socket closes. A concurrent map, touched once
 * per connection open and close, never per message. Safe from any thread.
 */
public final class ClientConnections {
    private final ConcurrentHashMap<Long, ClientConnection> open = new ConcurrentHashMap<>();

    public void add(ClientConnection connection) {
        open.put(connection.id(), connection);
    }

    public void remove(ClientConnection connection) {
        open.remove(connection.id(), connection);
    }

    /** A snapshot of the connections open now. */
    public List<ClientConnection> all() {
        return List.copyOf(open.values());
    }

    /** The open connection with RabbitMQ's {@code name}, if any. */
    public Optional<ClientConnection> named(String name) {
        Collection<ClientConnection> values = open.values();
        return values.stream().filter(connection -> connection.name().equals(name)).findFirst();
    }

    public int size() {
        return open.size();
    }
}
