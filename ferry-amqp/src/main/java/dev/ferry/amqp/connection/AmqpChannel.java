package dev.ferry.amqp.connection;

import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.error.ErrorCode;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;

/**
 * The outbound side of one open channel, as the channel semantics see it. Every method may be
 * called from any thread: calls off the connection's event loop are handed to it, in call order,
 * and the frames are flushed once per batch of work rather than once per call.
 *
 * <p>Once the channel is closed (see {@link #isOpen()}) sends are silently dropped: a delivery
 * racing a channel close must not reach the client after its close.
 */
public interface AmqpChannel {
    /** The channel number, 1..channel_max. */
    int number();

    AmqpConnection connection();

    /** Sends a method without content (declare-ok, consume-ok, ack for confirms, ...). */
    void send(AmqpMethod method);

    /**
     * Sends a content-bearing method (basic.deliver, basic.get-ok, basic.return) with its content
     * header and body frames, as one write. {@code body} is copied once, into the outbound buffer,
     * before this method returns when called on the event loop and later otherwise; callers must
     * not modify it afterwards (Ferry's message bodies are immutable anyway).
     */
    void sendContent(AmqpMethod method, MessageProperties properties, byte[] body);

    /**
     * As {@link #sendContent(AmqpMethod, MessageProperties, byte[])}, taking over one reference to
     * {@code body}: it is given back once the frames are written, or at once if the channel closed.
     */
    void sendContent(AmqpMethod method, MessageProperties properties, MessageBody body);

    /** Closes this channel with a channel error (channel.close carrying the code and failing method). */
    void close(ErrorCode code, String text, int failingClassId, int failingMethodId);

    /** Whether the channel is open; false from the moment either side starts closing it. */
    boolean isOpen();
}
