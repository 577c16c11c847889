package dev.ferry.amqp.codec;

import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;

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
        int chunkMax = frameMax - AmqpFrames.OVERHEAD_BYTES;
        for (int offset = 0; offset < body.length; offset += chunkMax) {
            int length = Math.min(chunkMax, body.length - offset);
            out.writeByte(AmqpFrames.TYPE_BODY);
            out.writeShort(channel);
            out.writeInt(length);
            out.writeBytes(body, offset, length);
            out.writeByte(AmqpFrames.FRAME_END);
        }
    }

    /** Method frame, content header and body frames, in that order, into one buffer. */
    public static void writeContent(ByteBuf out, int channel, AmqpMethod method, MessageProperties properties,
            byte[] body, int frameMax) {
        writeMethod(out, channel, method);
        writeContentHeader(out, channel, method.classId(), body.length, properties);
        writeBody(out, channel, body, frameMax);
    }

    /** A buffer size that usually holds {@link #writeContent}'s output without growing. */
    public static int contentSizeEstimate(byte[] body, int frameMax) {
        int frames = body.length / (frameMax - AmqpFrames.OVERHEAD_BYTES) + 1;
        return CONTENT_PREAMBLE_ESTIMATE + body.length + frames * AmqpFrames.OVERHEAD_BYTES;
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
