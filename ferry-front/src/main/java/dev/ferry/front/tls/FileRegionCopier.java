package dev.ferry.front.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.List;

/**
 * Copies a {@link FileRegion} into a buffer on its way out, for connections where the bytes must
 * pass through the process: TLS encrypts in user space, so the zero-copy path from a segment file
 * to the socket (sendfile) cannot be taken, and Netty's {@code SslHandler} accepts only buffers.
 * Placed between the {@code SslHandler} and the protocol handler; plain connections do not have it.
 */
public final class FileRegionCopier extends MessageToMessageEncoder<FileRegion> {
    @Override
    protected void encode(ChannelHandlerContext context, FileRegion region, List<Object> out) throws IOException {
        long count = region.count() - region.transferred();
        if (count > Integer.MAX_VALUE) {
            throw new IOException("a file region of " + count + " bytes is too large to copy into one buffer");
        }
        ByteBuf copy = context.alloc().buffer((int) count);
        try {
            WritableByteChannel into = new BufferChannel(copy);
            long position = region.transferred();
            while (copy.readableBytes() < count) {
                long written = region.transferTo(into, position + copy.readableBytes());
                if (written <= 0) {
                    throw new IOException("a file region ended after " + copy.readableBytes() + " of " + count + " bytes");
                }
            }
            out.add(copy);
            copy = null;
        } finally {
            if (copy != null) {
                copy.release();
            }
        }
    }

    /** Appends what is written to a buffer that was sized for all of it. */
    private static final class BufferChannel implements WritableByteChannel {
        private final ByteBuf buffer;

        BufferChannel(ByteBuf buffer) {
            this.buffer = buffer;
        }

        @Override
        public int write(ByteBuffer source) {
            int bytes = source.remaining();
            buffer.writeBytes(source);
            return bytes;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
