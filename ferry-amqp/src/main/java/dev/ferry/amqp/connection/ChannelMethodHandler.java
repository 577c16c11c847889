package dev.ferry.amqp.connection;

import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.front.registry.ChannelSnapshot;
import java.util.List;

/**
 * The channel semantics behind one open AMQP channel: exchanges, queues, consumers, acks. The
 * connection layer owns channel.open, channel.close and close-ok, content assembly and every
 * framing rule; it hands this handler everything else, on the connection's event loop, one call at
 * a time.
 *
 * <p>To refuse a method, throw a {@link dev.ferry.error.BrokerException}: a channel error code
 * (404, 405, 406, 403) closes this channel with channel.close, a connection error code (5xx, 530)
 * closes the connection; either way the reply names the failing method. Replies and deliveries go
 * out through the {@link AmqpChannel} the factory was given.
 */
public interface ChannelMethodHandler {
    /** Any method other than channel.open/close/close-ok and basic.publish. */
    void onMethod(AmqpMethod method);

    /** A basic.publish with its complete content. */
    void onPublish(AssembledPublish publish);

    /**
     * The channel is gone: closed by the client, by an error, or with its connection. Called once,
     * on the event loop; release consumers and requeue unacknowledged deliveries here. Nothing sent
     * through the {@link AmqpChannel} after this reaches the client.
     */
    void onClosed();

    /**
     * What the management API shows of this channel (prefetch, unacked, consumers); on the event
     * loop, like every other call.
     */
    default ChannelSnapshot snapshot(int channelNumber) {
        return new ChannelSnapshot(channelNumber, 0, 0, 0, false, false, List.of());
    }
}
