package dev.ferry.broker;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import dev.ferry.queue.QueueExecutorPool;

/**
 * The broker's messaging state: its virtual hosts, each with exchanges, queues and bindings. A
 * protocol front looks up the virtual host a connection opened and works through it. The default
 * virtual host {@code /} always exists.
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
public final class Broker implements AutoCloseable {
    public static final String DEFAULT_VIRTUAL_HOST = "/";

    private final Supplier<? extends Executor> queueOwners;
    private final QueueExecutorPool ownedPool;
    private final ConcurrentHashMap<String, VirtualHost> virtualHosts = new ConcurrentHashMap<>();

    /** A broker whose queues are owned by a pool of {@code queueThreads} threads, closed with it. */
    public static Broker withQueueThreads(int queueThreads) {
        QueueExecutorPool pool = new QueueExecutorPool(queueThreads);
        return new Broker(pool::assign, pool);
    }

    /**
     * A broker whose queues get their owner executors from {@code queueOwners}; tests pass a direct
     * or manual executor here to run queue commands deterministically.
     */
    public static Broker withQueueOwners(Supplier<? extends Executor> queueOwners) {
        return new Broker(queueOwners, null);
    }

    private Broker(Supplier<? extends Executor> queueOwners, QueueExecutorPool ownedPool) {
        this.queueOwners = Objects.requireNonNull(queueOwners, "queueOwners");
        this.ownedPool = ownedPool;
        addVirtualHost(DEFAULT_VIRTUAL_HOST);
    }

    /** Creates a virtual host, or returns the existing one of that name. */
    public VirtualHost addVirtualHost(String name) {
        return virtualHosts.computeIfAbsent(name, n -> new VirtualHost(n, queueOwners));
    }

    /** The virtual host a connection names in connection.open; empty means refuse (402 / 530). */
    public Optional<VirtualHost> virtualHost(String name) {
        return Optional.ofNullable(virtualHosts.get(name));
    }

    public VirtualHost defaultVirtualHost() {
        return virtualHosts.get(DEFAULT_VIRTUAL_HOST);
    }

    public Collection<VirtualHost> virtualHosts() {
        return List.copyOf(virtualHosts.values());
    }

    /** Stops the queue owner threads this broker created, after the commands already queued. */
    @Override
    public void close() {
        if (ownedPool != null) {
            ownedPool.close();
        }
    }
}
