package dev.ferry.amqp.connection;

import dev.ferry.amqp.codec.ContentHeader;
import dev.ferry.amqp.codec.ProtocolException;
import dev.ferry.amqp.method.BasicPublish;
import dev.ferry.error.ErrorCode;
import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;

/**
 * Joins basic.publish, its content header and its body frames into one {@link AssembledPublish}.
 * The body array is allocated once, at the header, with the announced size, and each body frame
 * is copied straight into it: one copy from the socket buffer, none after.
 *
 * <p>Owned by one channel on the event loop. Protocol violations (content without a method, a
 * method in the middle of content, more body than announced) are connection errors, 505; a body
 * larger than the configured maximum is a channel error, 406, as RabbitMQ reports it.
 */
final class ContentAssembler {
    private final int maxMessageBytes;

    private BasicPublish method;
    private MessageProperties properties;
    private byte[] body;
    private int bodyFilled;

    ContentAssembler(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Whether no content is in progress, so a method may come next. */
    boolean isIdle() {
        return method == null;
    }

    void begin(BasicPublish publish) {
        assert method == null : "content already in progress";
        method = publish;
        body = null;
        bodyFilled = 0;
    }

    /** The finished publish when the body is empty, else {@code null} until the last body frame. */
    AssembledPublish onHeader(ContentHeader header) {
        if (method == null || body != null) {
            throw unexpected("content header without a preceding content method");
        }
        if (header.classId() != method.classId()) {
            throw unexpected("content header of class " + header.classId() + " after " + method.methodName());
        }
        if (header.bodySize() > maxMessageBytes) {
            reset();
            throw new ProtocolException(ErrorCode.PRECONDITION_FAILED, "message size " + header.bodySize()
                    + " is larger than configured max size " + maxMessageBytes,
                    BasicPublish.CLASS_ID, BasicPublish.METHOD_ID);
        }
        properties = header.properties();
        body = new byte[(int) header.bodySize()];
        return body.length == 0 ? complete() : null;
    }

    /** Copies the frame's payload into the body; the caller still owns (and releases) the payload. */
    AssembledPublish onBody(ByteBuf payload) {
        if (body == null) {
            throw unexpected("content body frame without a preceding content header");
        }
        int length = payload.readableBytes();
        if (length > body.length - bodyFilled) {
            throw unexpected("content body frames exceed the announced body size " + body.length);
        }
        payload.readBytes(body, bodyFilled, length);
        bodyFilled += length;
        return bodyFilled == body.length ? complete() : null;
    }

    /** Drops content in progress, when the channel closes mid-message. */
    void reset() {
        method = null;
        properties = null;
        body = null;
        bodyFilled = 0;
    }

    private AssembledPublish complete() {
        AssembledPublish publish = new AssembledPublish(method, properties, body);
        reset();
        return publish;
    }

    private ProtocolException unexpected(String text) {
        int classId = method == null ? 0 : method.classId();
        int methodId = method == null ? 0 : method.methodId();
        return new ProtocolException(ErrorCode.UNEXPECTED_FRAME, text, classId, methodId);
    }
}
