package dev.ferry.amqp.codec;

import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Writes outbound frames straight into a (pooled) {@link ByteBuf}. A frame's size is not known
 * until its payload is written, so each writer reserves the size field and fills it in afterwards.
 *
 * <p>{@link #writeContent} writes a whole content-bearing method (method, header, body frames) into
 * one buffer, so a delivery is one contiguous write with the body copied exactly once.
 */
public final class FrameWriter {
    /** Generous room for a method frame plus content header; the buffer grows if properties need more. */
    private static final int CONTENT_PREAMBLE_ESTIMATE = 512;

    private FrameWriter() {
    }

    public static void writeMethod(ByteBuf out, int channel, AmqpMethod method) {
        int sizeIndex = beginFrame(out, AmqpFrames.TYPE_METHOD, channel);
        out.writeShort(method.classId());
        out.writeShort(method.methodId());
        method.writeArguments(out);
        endFrame(out, sizeIndex);
    }

    public static void writeContentHeader(ByteBuf out, int channel, int classId, long bodySize,
            MessageProperties properties) {
        int sizeIndex = beginFrame(out, AmqpFrames.TYPE_HEADER, channel);
        ContentHeaderCodec.write(out, classId, bodySize, properties);
        endFrame(out, sizeIndex);
    }

    /** Writes {@code body} as body frames of at most {@code frameMax} octets each (none for an empty body). */
    public static void writeBody(ByteBuf out, int channel, byte[] body, int frameMax) {
        writeBody(out, channel, ByteBuffer.wrap(body), frameMax);
    }

    /**
     * Writes {@code body}'s remaining bytes as body frames of at most {@code frameMax} octets each;
     * the buffer's position is not moved (a large body off the heap is copied into {@code out} as it is).
     */
    public static void writeBody(ByteBuf out, int channel, ByteBuffer body, int frameMax) {
        int chunkMax = frameMax - AmqpFrames.OVERHEAD_BYTES;
        ByteBuffer chunk = body.duplicate();
        int end = body.limit();
        for (int offset = body.position(); offset < end; offset += chunkMax) {
            int length = Math.min(chunkMax, end - offset);
            out.writeByte(AmqpFrames.TYPE_BODY);
            out.writeShort(channel);
            out.writeInt(length);
            chunk.limit(offset + length).position(offset);
            out.writeBytes(chunk);
            out.writeByte(AmqpFrames.FRAME_END);
        }
    }

    /** Method frame, content header and body frames, in that order, into one buffer. */
    public static void writeContent(ByteBuf out, int channel, AmqpMethod method, MessageProperties properties,
            byte[] body, int frameMax) {
        writeContent(out, channel, method, properties, ByteBuffer.wrap(body), frameMax);
    }

    /** As {@link #writeContent(ByteBuf, int, AmqpMethod, MessageProperties, byte[], int)}, the body being {@code body}'s remaining bytes. */
    public static void writeContent(ByteBuf out, int channel, AmqpMethod method, MessageProperties properties,
            ByteBuffer body, int frameMax) {
        writeMethod(out, channel, method);
        writeContentHeader(out, channel, method.classId(), body.remaining(), properties);
        writeBody(out, channel, body, frameMax);
    }

    /**
     * The same bytes as {@link #writeContent(ByteBuf, int, AmqpMethod, MessageProperties, ByteBuffer, int)},
     * handed to {@code out} as a sequence of buffers in which the body is not copied: each body
     * frame's payload is a view of {@code body}, between small buffers holding the frame headers and
     * ends. For large bodies off the heap, whose copy into one buffer would cost the event loop a
     * 16 MiB allocation and copy per delivery. The views do not own {@code body}'s memory: the caller
     * keeps it alive until the buffers are written.
     */
    public static void writeContentAsViews(ByteBufAllocator alloc, int channel, AmqpMethod method,
            MessageProperties properties, ByteBuffer body, int frameMax, Consumer<ByteBuf> out) {
        ByteBuf head = alloc.ioBuffer(CONTENT_PREAMBLE_ESTIMATE);
        writeMethod(head, channel, method);
        writeContentHeader(head, channel, method.classId(), body.remaining(), properties);
        int chunkMax = frameMax - AmqpFrames.OVERHEAD_BYTES;
        int start = body.position();
        int end = body.limit();
        if (start == end) {
            out.accept(head);
            return;
        }
        head.writeByte(AmqpFrames.TYPE_BODY);
        head.writeShort(channel);
        head.writeInt(Math.min(chunkMax, end - start));
        out.accept(head);
        // Between two views goes the frame end of one and the header of the next: all of them are
        // written into one buffer and handed out as slices of it, not one small buffer per frame.
        int frames = (end - start + chunkMax - 1) / chunkMax;
        ByteBuf separators = alloc.ioBuffer((frames - 1) * AmqpFrames.OVERHEAD_BYTES + 1);
        for (int offset = start + chunkMax; offset < end; offset += chunkMax) {
            separators.writeByte(AmqpFrames.FRAME_END);
            separators.writeByte(AmqpFrames.TYPE_BODY);
            separators.writeShort(channel);
            separators.writeInt(Math.min(chunkMax, end - offset));
        }
        separators.writeByte(AmqpFrames.FRAME_END);
        for (int offset = start; offset < end; offset += chunkMax) {
            out.accept(Unpooled.wrappedBuffer(body.slice(offset, Math.min(chunkMax, end - offset))));
            if (offset + chunkMax < end) {
                out.accept(separators.retainedSlice(separators.readerIndex(), AmqpFrames.OVERHEAD_BYTES));
                separators.skipBytes(AmqpFrames.OVERHEAD_BYTES);
            }
        }
        out.accept(separators); // the last body frame's end, and the reference the slices share
    }

    /** A buffer size that usually holds {@link #writeContent}'s output without growing. */
    public static int contentSizeEstimate(byte[] body, int frameMax) {
        return contentSizeEstimate(body.length, frameMax);
    }

    /** As {@link #contentSizeEstimate(byte[], int)} for a body of {@code bodySize} bytes. */
    public static int contentSizeEstimate(int bodySize, int frameMax) {
        int frames = bodySize / (frameMax - AmqpFrames.OVERHEAD_BYTES) + 1;
        return CONTENT_PREAMBLE_ESTIMATE + bodySize + frames * AmqpFrames.OVERHEAD_BYTES;
    }

    public static void writeHeartbeat(ByteBuf out) {
        out.writeByte(AmqpFrames.TYPE_HEARTBEAT);
        out.writeShort(0);
        out.writeInt(0);
        out.writeByte(AmqpFrames.FRAME_END);
    }

    private static int beginFrame(ByteBuf out, int type, int channel) {
        out.writeByte(type);
        out.writeShort(channel);
        int sizeIndex = out.writerIndex();
        out.writeInt(0);
        return sizeIndex;
    }

    private static void endFrame(ByteBuf out, int sizeIndex) {
        out.setInt(sizeIndex, out.writerIndex() - sizeIndex - 4);
        out.writeByte(AmqpFrames.FRAME_END);
    }
}
