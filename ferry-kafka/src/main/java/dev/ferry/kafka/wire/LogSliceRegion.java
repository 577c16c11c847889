package dev.ferry.kafka.wire;

import dev.ferry.log.LogSlice;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * A {@link LogSlice} as a Netty {@link FileRegion}: the transport moves the bytes from the segment
 * file to the socket with {@code FileChannel.transferTo}, which is sendfile only when the target is
 * one of the JDK's own socket channels (Netty's NIO transport); Netty's epoll transport gets a copy
 * through a buffer. The fallback when {@link PinnedSliceRegion} cannot be used. The slice holds no
 * descriptor of its own, so there is nothing to release.
 */
final class LogSliceRegion extends AbstractReferenceCounted implements FileRegion {
    private final LogSlice slice;
    private long transferred;

    LogSliceRegion(LogSlice slice) {
        this.slice = slice;
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long count() {
        return slice.sizeInBytes();
    }

    @Override
    public long transferTo(WritableByteChannel target, long position) throws IOException {
        long count = count() - position;
        if (count <= 0) {
            return 0;
        }
        long written = slice.transferTo(position, count, target);
        if (written > 0) {
            transferred += written;
        }
        return written;
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        // The slice reads through the log's shared descriptor cache; nothing is held here.
    }
}
