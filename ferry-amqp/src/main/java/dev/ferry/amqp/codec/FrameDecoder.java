package dev.ferry.amqp.codec;

import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.MethodReader;
import dev.ferry.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the inbound byte stream into {@link InboundFrame}s: first the 8-octet protocol header, then
 * frames. It checks framing (type, size against frame_max, the frame-end octet) and decodes method
 * and content-header payloads; body payloads are passed on as retained slices, uncopied.
 *
 * <p>A wrong protocol header is answered here, with the header of the version we speak, and the
 * socket is closed: there is no AMQP connection yet to report anything on. Every other error is
 * passed on as an {@link InboundFrame.Error}. After an error that loses framing (bad size, type or
 * frame-end) the decoder discards all further input, because nothing after it can be trusted.
 * After an error inside a well-formed frame (each of them closes the connection) it still finds
 * frame boundaries, but decodes only connection.close and close-ok on channel 0, the frames the
 * connection still reads while it closes; the rest is skipped without allocating. Otherwise a
 * client could go on sending tiny broken frames and make the broker build an exception, some
 * 5 KiB of garbage, for every 8 bytes it sent (found by {@code FrameDecoderFuzzTest}).
 *
 * <p>Not thread-safe: owned by the connection's event loop, like the rest of its pipeline.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(FrameDecoder.class);

    private enum State { PROTOCOL_HEADER, FRAMES, AWAIT_CLOSE, DISCARDING }

    private State state = State.PROTOCOL_HEADER;
    private int frameMax;
    private boolean negotiated;

    /**
     * @param frameMax the largest frame accepted until {@link #setFrameMax} sets the negotiated one
     *                 after tune-ok ({@link AmqpFrames#HANDSHAKE_FRAME_MAX} for a server)
     */
    public FrameDecoder(int frameMax) {
        this.frameMax = frameMax;
    }

    /** The negotiated frame_max, total frame size in octets; called on the event loop after tune-ok. */
    public void setFrameMax(int frameMax) {
        this.frameMax = frameMax;
        this.negotiated = true;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case PROTOCOL_HEADER -> decodeProtocolHeader(ctx, in, out);
            case FRAMES, AWAIT_CLOSE -> decodeFrame(in, out);
            case DISCARDING -> in.skipBytes(in.readableBytes());
            default -> throw new IllegalStateException(state.toString());
        }
    }

    private void decodeProtocolHeader(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int available = Math.min(in.readableBytes(), AmqpFrames.PROTOCOL_HEADER_BYTES);
        int start = in.readerIndex();
        // Compare what has arrived so far, so that an HTTP request or a TLS hello is refused at once.
        for (int i = 0; i < available; i++) {
            if (in.getByte(start + i) != AmqpFrames.protocolHeaderByte(i)) {
                rejectProtocolHeader(ctx, in);
                return;
            }
        }
        if (available < AmqpFrames.PROTOCOL_HEADER_BYTES) {
            return;
        }
        in.skipBytes(AmqpFrames.PROTOCOL_HEADER_BYTES);
        state = State.FRAMES;
        out.add(InboundFrame.ProtocolHeader.INSTANCE);
    }

    private void rejectProtocolHeader(ChannelHandlerContext ctx, ByteBuf in) {
        String received = ByteBufUtil.hexDump(in, in.readerIndex(), Math.min(in.readableBytes(), 8));
        LOG.info("connection from {} refused: bad protocol header {}", ctx.channel().remoteAddress(), received);
        state = State.DISCARDING;
        in.skipBytes(in.readableBytes());
        ctx.writeAndFlush(Unpooled.wrappedBuffer(AmqpFrames.protocolHeader()))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void decodeFrame(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < AmqpFrames.HEADER_BYTES) {
            return;
        }
        int start = in.readerIndex();
        int type = in.getUnsignedByte(start);
        int channel = in.getUnsignedShort(start + 1);
        long size = in.getUnsignedInt(start + 3);
        if (type != AmqpFrames.TYPE_METHOD && type != AmqpFrames.TYPE_HEADER
                && type != AmqpFrames.TYPE_BODY && type != AmqpFrames.TYPE_HEARTBEAT) {
            String octets = ByteBufUtil.hexDump(in, start, Math.min(in.readableBytes(), 16));
            loseFraming(in, out, type, channel, "type " + type + ", first 16 octets = " + octets);
            return;
        }
        if (size + AmqpFrames.OVERHEAD_BYTES > frameMax) {
            loseFraming(in, out, type, channel, "frame size " + (size + AmqpFrames.OVERHEAD_BYTES) + " exceeds "
                    + (negotiated ? "negotiated frame_max " : "the handshake's frame limit ") + frameMax);
            return;
        }
        int payloadSize = (int) size;
        if (in.readableBytes() < payloadSize + AmqpFrames.OVERHEAD_BYTES) {
            return;
        }
        int frameEnd = in.getUnsignedByte(start + AmqpFrames.HEADER_BYTES + payloadSize);
        if (frameEnd != AmqpFrames.FRAME_END) {
            loseFraming(in, out, type, channel, String.format("frame end octet 0x%02x where 0xce was expected", frameEnd));
            return;
        }
        ByteBuf payload = in.slice(start + AmqpFrames.HEADER_BYTES, payloadSize);
        in.skipBytes(payloadSize + AmqpFrames.OVERHEAD_BYTES);
        if (state == State.AWAIT_CLOSE && !isConnectionClose(type, channel, payload)) {
            return;
        }
        InboundFrame frame = decodePayload(type, channel, payload);
        if (frame instanceof InboundFrame.Error) {
            state = State.AWAIT_CLOSE;
        }
        out.add(frame);
    }

    /** connection.close or connection.close-ok on channel 0, by its ids alone. */
    private static boolean isConnectionClose(int type, int channel, ByteBuf payload) {
        if (type != AmqpFrames.TYPE_METHOD || channel != 0 || payload.readableBytes() < 4) {
            return false;
        }
        int classId = payload.getUnsignedShort(payload.readerIndex());
        int methodId = payload.getUnsignedShort(payload.readerIndex() + 2);
        return classId == 10 && (methodId == 50 || methodId == 51);
    }

    private static InboundFrame decodePayload(int type, int channel, ByteBuf payload) {
        return switch (type) {
            case AmqpFrames.TYPE_METHOD -> decodeMethod(channel, payload);
            case AmqpFrames.TYPE_HEADER -> decodeHeader(channel, payload);
            case AmqpFrames.TYPE_BODY -> new InboundFrame.Body(channel, payload.retain());
            default -> decodeHeartbeat(channel, payload);
        };
    }

    private static InboundFrame decodeMethod(int channel, ByteBuf payload) {
        if (payload.readableBytes() < 4) {
            return framedError(AmqpFrames.TYPE_METHOD, channel, ProtocolException.frameError(
                    "method frame of " + payload.readableBytes() + " octets has no class and method id"));
        }
        int classId = payload.getUnsignedShort(payload.readerIndex());
        int methodId = payload.getUnsignedShort(payload.readerIndex() + 2);
        try {
            AmqpMethod method = MethodReader.read(payload);
            return new InboundFrame.Method(channel, method);
        } catch (ProtocolException e) {
            return framedError(AmqpFrames.TYPE_METHOD, channel, e.attributedTo(classId, methodId));
        } catch (IndexOutOfBoundsException e) {
            return framedError(AmqpFrames.TYPE_METHOD, channel, new ProtocolException(ErrorCode.SYNTAX_ERROR,
                    "arguments of method " + classId + "/" + methodId + " run past the end of the frame",
                    classId, methodId));
        }
    }

    private static InboundFrame decodeHeader(int channel, ByteBuf payload) {
        try {
            return new InboundFrame.Header(channel, ContentHeaderCodec.read(payload));
        } catch (ProtocolException e) {
            return framedError(AmqpFrames.TYPE_HEADER, channel, e);
        } catch (IndexOutOfBoundsException e) {
            return framedError(AmqpFrames.TYPE_HEADER, channel,
                    ProtocolException.frameError("content header runs past the end of the frame"));
        }
    }

    private static InboundFrame decodeHeartbeat(int channel, ByteBuf payload) {
        if (channel != 0) {
            // A well-formed frame in the wrong place, as RabbitMQ reports it: 505, not a framing error.
            return framedError(AmqpFrames.TYPE_HEARTBEAT, channel, new ProtocolException(ErrorCode.UNEXPECTED_FRAME,
                    "heartbeat frame on channel " + channel + "; heartbeats belong on channel 0", 0, 0));
        }
        return new InboundFrame.Heartbeat(channel);
    }

    /** An error inside a well-framed frame: the stream is still in step and close-ok can be read. */
    private static InboundFrame framedError(int type, int channel, ProtocolException error) {
        return new InboundFrame.Error(channel, type, error, false);
    }

    private void loseFraming(ByteBuf in, List<Object> out, int type, int channel, String text) {
        state = State.DISCARDING;
        in.skipBytes(in.readableBytes());
        out.add(new InboundFrame.Error(channel, type, ProtocolException.frameError(text), true));
    }
}
