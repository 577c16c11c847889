package dev.ferry.kafka.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts the byte stream into Kafka request frames: a 4-byte big-endian size, then that many bytes
 * (the request header and body). Each frame goes on as a retained slice without the size prefix;
 * whoever handles it releases it.
 *
 * <p>A size below zero or above {@code socket.request.max.bytes} ends the connection, as Kafka's
 * broker does (it cannot skip a frame it will not read, and a wrong size usually means the peer is
 * not speaking Kafka at all): one log line, no answer, nothing more read.
 */
public final class RequestFrameDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(RequestFrameDecoder.class);
    static final int SIZE_BYTES = 4;

    private final int requestMaxBytes;
    private boolean refused;

    public RequestFrameDecoder(int requestMaxBytes) {
        this.requestMaxBytes = requestMaxBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext context, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < SIZE_BYTES) {
            return;
        }
        int size = in.getInt(in.readerIndex());
        if (size < 0 || size > requestMaxBytes) {
            refused = true;
            in.skipBytes(in.readableBytes());
            LOG.warn("Kafka connection {} closed: a request of {} bytes (socket.request.max.bytes is {})",
                    ConnectionNames.of(context.channel()), Integer.toUnsignedString(size), requestMaxBytes);
            context.close();
            return;
        }
        if (in.readableBytes() < SIZE_BYTES + size) {
            return;
        }
        in.skipBytes(SIZE_BYTES);
        out.add(in.readRetainedSlice(size));
    }
}
