package dev.ferry.amqp.connection;

import dev.ferry.error.ErrorCode;
import dev.ferry.queue.DeliveryGate;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * One client connection, past its handshake, as the channel semantics and the broker see it.
 * Every method may be called from any thread.
 */
public interface AmqpConnection {
    /** Unique among this process's connections; owns exclusive queues in the core. */
    long id();

    /**
     * Closed while this connection's outbound buffer is over its high-water mark; consumers on the
     * connection pass it to their queues so deliveries wait there rather than in memory here.
     */
    DeliveryGate deliveryGate();

    /** A name for logs: the client's address and port. */
    String name();

    SocketAddress remoteAddress();

    String username();

    String virtualHost();

    /** The client's connection.start-ok properties (product, version, capabilities, ...). */
    Map<String, Object> clientProperties();

    /** Whether the client announced {@code capability} (such as "connection.blocked") as true. */
    boolean clientSupports(String capability);

    /** The thread that owns this connection; work for it can be submitted here to avoid locks. */
    EventLoop eventLoop();

    /**
     * Publishing is paused (memory or disk alarm): tells the client with connection.blocked if it
     * supports it, and stops reading this socket at its next basic.publish so publishers slow
     * down instead of filling memory. Consumers on the connection keep receiving.
     */
    void block(String reason);

    /** Publishing may resume: connection.unblocked, and reading resumes. */
    void unblock();

    boolean isBlocked();

    /**
     * Flow control: a queue this connection just published to is congested (its mailbox is full,
     * or its consumers are behind). Reading stops after the message being handled until
     * {@code resume} completes, or at most {@code maxPauseMillis} (so a connection whose own acks
     * the queue waits for is never stuck), unless something else stops it anyway. Ignored while
     * the connection is receiving a large body on another channel: that body's content budget must
     * come back first. Called while a message is being handed over, it also keeps that message's
     * content budget reserved until {@code resume} (the body waits in the queue's mailbox). Unlike
     * {@link #block}, the client is not told: it sees TCP back-pressure, as with RabbitMQ's credit
     * flow. Event loop only.
     */
    void pauseReading(CompletionStage<?> resume, long maxPauseMillis);

    /**
     * The publish just handled went to {@code queues} queues: work that counts against this
     * connection's share of a turn of its event loop, so that a publisher to a wide fanout lets the
     * loop's other connections in between. Event loop only.
     */
    void routed(int queues);

    /**
     * Runs {@code listener} on the event loop once the connection closes, after every channel's
     * {@link ChannelMethodHandler#onClosed()}; at once if it is closed already. When the client
     * closes the connection, connection.close-ok waits (a few seconds at most) for the stage the
     * listener returns, so that what the listener undoes (exclusive queues) is gone by the time the
     * client learns that the connection is.
     */
    void addCloseListener(Supplier<? extends CompletionStage<?>> listener);

    /** Closes the connection from the server side, such as 320 CONNECTION_FORCED on shutdown. */
    void close(ErrorCode code, String text);
}
