package dev.ferry.amqp.codec;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

/**
 * A peer broke the AMQP rules: the reply code and text to send back, and the class and method the
 * failure is attributed to (zero when it is not about a method, such as a bad frame end).
 *
 * <p>Whether it ends the connection or only a channel follows {@link ErrorCode#isConnectionError()},
 * unless {@link #forcesConnectionClose()} says a channel-level code must still end the connection
 * (403 during the handshake, for instance). Like every {@link BrokerException} it carries no stack
 * trace: it reports a client's mistake, not a broker bug.
 */
public final class ProtocolException extends BrokerException {
    private final int classId;
    private final int methodId;
    private final boolean forcesConnectionClose;

    public ProtocolException(ErrorCode errorCode, String text, int classId, int methodId) {
        this(errorCode, text, classId, methodId, errorCode.isConnectionError());
    }

    public ProtocolException(ErrorCode errorCode, String text, int classId, int methodId,
            boolean forcesConnectionClose) {
        super(errorCode, text);
        this.classId = classId;
        this.methodId = methodId;
        this.forcesConnectionClose = forcesConnectionClose;
    }

    public static ProtocolException frameError(String text) {
        return new ProtocolException(ErrorCode.FRAME_ERROR, text, 0, 0);
    }

    public static ProtocolException syntaxError(String text) {
        return new ProtocolException(ErrorCode.SYNTAX_ERROR, text, 0, 0);
    }

    /**
     * A method the client may not send on a channel: one only servers send, or one nothing asked
     * for (channel.flow-ok, channel.close-ok on an open channel). RabbitMQ closes the connection
     * with 503 and this text, naming the method by its ids.
     */
    public static ProtocolException unimplementedMethod(int classId, int methodId) {
        return new ProtocolException(ErrorCode.COMMAND_INVALID, "unimplemented method", classId, methodId);
    }

    /**
     * Anything but connection.close (or update-secret) on channel 0 of an open connection. RabbitMQ
     * closes the connection with 504 and this text, naming the method by its ids.
     */
    public static ProtocolException unexpectedOnOpenConnection(int classId, int methodId) {
        return new ProtocolException(ErrorCode.CHANNEL_ERROR, "unexpected method in connection state running",
                classId, methodId);
    }

    public int classId() {
        return classId;
    }

    public int methodId() {
        return methodId;
    }

    /** Whether this error closes the whole connection rather than one channel. */
    public boolean forcesConnectionClose() {
        return forcesConnectionClose;
    }

    /** The same error attributed to a method, once the caller knows which one failed. */
    public ProtocolException attributedTo(int newClassId, int newMethodId) {
        return new ProtocolException(errorCode(), getMessage(), newClassId, newMethodId, forcesConnectionClose);
    }
}
