package dev.ferry.kafka.wire;

import dev.ferry.log.LogSlice;
import dev.ferry.log.PinnedRange;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;
import java.io.IOException;

/**
 * A {@link LogSlice} sent by the kernel: Netty's epoll transport writes a {@link DefaultFileRegion}
 * with sendfile(2), from the page cache straight to the socket. Any other {@link FileRegion} it
 * writes through {@code FileChannel.transferTo} into its own channel type, which the JDK cannot
 * send from, so every byte was read into a buffer and written again (twice the CPU of a Fetch).
 *
 * <p>The region holds the segment's channel pinned open ({@link PinnedRange}) from the answer's
 * encoding until Netty releases it, written or not; it never closes the channel, which belongs to
 * the log's descriptor cache.
 */
final class PinnedSliceRegion extends DefaultFileRegion {
    private static final String JDK_FILE_CHANNEL = "sun.nio.ch.FileChannelImpl";
    private final PinnedRange range;

    private PinnedSliceRegion(PinnedRange range) {
        super(range.channel(), range.position(), range.count());
        this.range = range;
    }

    /**
     * The region that sends {@code slice}: this kind when its file can be pinned and is the JDK's
     * own channel (the only kind Netty's native sendfile reads a descriptor from: a test's wrapped
     * channel must not reach it), else a {@link LogSliceRegion}, which copies, and which reports
     * an unreadable file when it is written.
     */
    static FileRegion of(LogSlice slice) {
        PinnedRange range;
        try {
            range = slice.pin();
        } catch (IOException e) {
            return new LogSliceRegion(slice);
        }
        if (!range.channel().getClass().getName().equals(JDK_FILE_CHANNEL)) {
            range.close();
            return new LogSliceRegion(slice);
        }
        return new PinnedSliceRegion(range);
    }

    @Override
    protected void deallocate() {
        range.close();
    }
}
