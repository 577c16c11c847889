package dev.ferry.amqp.connection;

import dev.ferry.amqp.codec.ContentHeader;
import dev.ferry.amqp.codec.ProtocolException;
import dev.ferry.amqp.method.BasicPublish;
import dev.ferry.error.ErrorCode;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;

/**
 * Joins basic.publish, its content header and its body frames into one {@link AssembledPublish}.
 * The body is allocated once, with the announced size, and each body frame is copied straight
 * into it: one copy from the socket buffer, none after. A large body is allocated off the heap
 * ({@link MessageBody}); the finished publish carries the assembler's reference to it, and an
 * abandoned one gives it back.
 *
 * <p>Memory is committed only against the broker's content budget: a body longer than one frame
 * can carry is allocated at the header, and only after the connection has reserved its whole size
 * ({@link #reservationFor}, then {@link #onHeader} with the reservation); the reservation goes on
 * with the complete message ({@link Reservations#completed}) or back when the message is abandoned. A body that fits in one frame needs no reservation:
 * it is allocated when its first body frame arrives, which normally carries all of it, so no memory
 * waits for bytes that may never come. (A client that splits such a body over several frames leaves
 * at most one frame's worth unfilled per channel.)
 *
 * <p>Owned by one channel on the event loop. Protocol violations (content without a method, a
 * method in the middle of content, more body than announced) are connection errors, 505; a body
 * larger than the configured maximum is a channel error, 406, as RabbitMQ reports it.
 */
final class ContentAssembler {
    /** Where a reservation goes: back when content is abandoned, on with the message when it is complete. */
    interface Reservations {
        /** The content was abandoned (channel or connection closed mid-message): give the bytes back. */
        void release(long bytes);

        /** The message is complete and about to be handed to its channel, with these bytes reserved for it. */
        void completed(long bytes);
    }

    private static final String EXPECTED_METHOD = "expected method frame, got non method frame instead";

    private final int maxMessageBytes;
    private final int singleFrameBodyBytes;
    private final Reservations reservations;

    private BasicPublish method;
    private boolean headerSeen;
    private MessageProperties properties;
    private int bodySize;
    private MessageBody body;
    private ByteBuffer bodyFill; // the body's fill view, at bodyFilled
    private int bodyFilled;
    private long reservedBytes;

    /**
     * @param singleFrameBodyBytes the largest body one frame carries (frame_max less its overhead);
     *                             larger bodies need a reservation
     */
    ContentAssembler(int maxMessageBytes, int singleFrameBodyBytes, Reservations reservations) {
        this.maxMessageBytes = maxMessageBytes;
        this.singleFrameBodyBytes = singleFrameBodyBytes;
        this.reservations = reservations;
    }

    /** Whether no content is in progress, so a method may come next. */
    boolean isIdle() {
        return method == null;
    }

    void begin(BasicPublish publish) {
        assert method == null : "content already in progress";
        method = publish;
        headerSeen = false;
    }

    /**
     * Checks a content header before it is taken, changing nothing unless it is refused: the bytes
     * of budget to reserve before {@link #onHeader}, or 0 when the body needs none.
     */
    long reservationFor(ContentHeader header) {
        checkHeaderExpected();
        if (header.classId() != method.classId()) {
            throw unexpected("expected content header for class " + method.classId() + ", got one for class "
                    + header.classId() + " instead");
        }
        if (header.bodySize() > maxMessageBytes) {
            reset();
            throw new ProtocolException(ErrorCode.PRECONDITION_FAILED, "message size " + header.bodySize()
                    + " is larger than configured max size " + maxMessageBytes,
                    BasicPublish.CLASS_ID, BasicPublish.METHOD_ID);
        }
        return header.bodySize() > singleFrameBodyBytes ? header.bodySize() : 0;
    }

    /**
     * Takes a header that {@link #reservationFor} accepted, with the bytes reserved for it (which
     * this assembler now holds). The finished publish when the body is empty, else null.
     */
    AssembledPublish onHeader(ContentHeader header, long reserved) {
        headerSeen = true;
        properties = header.properties();
        bodySize = (int) header.bodySize();
        reservedBytes = reserved;
        if (bodySize == 0) {
            body = MessageBody.EMPTY;
            return complete();
        }
        if (reserved > 0) {
            allocateBody();
        }
        return null;
    }

    /**
     * Refuses a content header that comes where none is expected: with no content method before it,
     * or a second one. The texts are RabbitMQ's, which judges a frame by its type and place before
     * reading it, so this holds for a header whose bytes cannot even be read.
     */
    void checkHeaderExpected() {
        if (method == null) {
            throw unexpected(EXPECTED_METHOD);
        }
        if (headerSeen) {
            throw unexpected("expected content body, got non content body frame instead");
        }
    }

    /** Copies the frame's payload into the body; the caller still owns (and releases) the payload. */
    AssembledPublish onBody(ByteBuf payload) {
        if (method == null) {
            throw unexpected(EXPECTED_METHOD);
        }
        if (!headerSeen) {
            throw unexpected("expected content header for class " + method.classId()
                    + ", got non content header frame instead");
        }
        int length = payload.readableBytes();
        if (length > bodySize - bodyFilled) {
            throw unexpected("content body frames exceed the announced body size " + bodySize);
        }
        if (body == null) {
            allocateBody();
        }
        bodyFill.limit(bodyFilled + length);
        payload.readBytes(bodyFill);
        bodyFilled += length;
        return bodyFilled == bodySize ? complete() : null;
    }

    private void allocateBody() {
        body = MessageBody.allocate(bodySize);
        bodyFill = body.fillView();
    }

    /** Drops content in progress (the channel closes mid-message) and gives back its reservation. */
    void reset() {
        if (body != null) {
            body.release(); // nobody else has seen it
        }
        resetState();
    }

    private void resetState() {
        method = null;
        headerSeen = false;
        properties = null;
        body = null;
        bodyFill = null;
        bodySize = 0;
        bodyFilled = 0;
        if (reservedBytes > 0) {
            long released = reservedBytes;
            reservedBytes = 0;
            reservations.release(released);
        }
    }

    /** Whether this assembler holds a reservation of the content budget. */
    boolean holdsReservation() {
        return reservedBytes > 0;
    }

    private AssembledPublish complete() {
        AssembledPublish publish = new AssembledPublish(method, properties, body);
        if (reservedBytes > 0) {
            long handedOver = reservedBytes;
            reservedBytes = 0;
            reservations.completed(handedOver);
        }
        resetState(); // the publish took the body and its reference
        return publish;
    }

    private ProtocolException unexpected(String text) {
        int classId = method == null ? 0 : method.classId();
        int methodId = method == null ? 0 : method.methodId();
        return new ProtocolException(ErrorCode.UNEXPECTED_FRAME, text, classId, methodId);
    }
}
