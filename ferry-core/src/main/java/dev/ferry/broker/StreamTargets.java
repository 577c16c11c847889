package dev.ferry.broker;

import java.util.concurrent.CompletableFuture;

import dev.ferry.message.Message;
import dev.ferry.policy.VirtualHostPolicies;

/**
 * Streams as a virtual host sees them: names that are not queues but that bindings may lead to and
 * publishes may reach (the Kafka topics, implemented by {@code dev.ferry.stream.StreamQueues}).
 * An interface here so that the broker does not depend on the stream package, which depends on
 * the store, which depends on the broker.
 *
 * <p>Implementations are safe to call from any thread without blocking.
 */
public interface StreamTargets {

    /** Whether a stream of that name exists now. */
    boolean exists(String name);

    /**
     * Appends a routed message to the stream of that name.
     *
     * @return null when there is no such stream; otherwise completes once the message is durable,
     *     or fails (the stream was deleted meanwhile, the message is too large)
     */
    CompletableFuture<?> appendIfExists(String name, Message message);

    /**
     * null while the stream keeps up with what is published into it; else a stage that completes
     * once its backlog of appends has drained, for publishers to wait on (as for a queue's mailbox).
     */
    CompletableFuture<Void> congestion(String name);

    /** Deletes the stream of that name with everything in it. */
    CompletableFuture<Void> delete(String name);

    /**
     * The virtual host's policies as they stand now (once durable), for what they set on streams
     * (retention, segment size); streams created later get them too.
     */
    void usePolicies(VirtualHostPolicies policies);
}
