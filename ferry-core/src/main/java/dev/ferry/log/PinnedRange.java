package dev.ferry.log;

import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A range of a segment file whose channel stays open until {@link #close}: the descriptor cache
 * will not evict it, and deleting the segment closes it only after. For a sender that hands the
 * channel itself to the kernel (Netty's sendfile takes a {@link FileChannel}, not a callback), so
 * the bytes never pass through user space. Got from {@link LogSlice#pin()}.
 *
 * <p>The pin is held for as long as the sender holds the range, however slow its reader: a pinned
 * descriptor counts above the cache's capacity, so a sender should hold one only while its
 * bytes are being written out (one Fetch answer, not a queue of them).
 *
 * <p>Thread safety: {@link #close} may be called from any thread, more than once; the first call releases.
 */
public final class PinnedRange implements AutoCloseable {
    private final FileChannel channel;
    private final long position;
    private final int count;
    private final Runnable release;
    private final AtomicBoolean closed = new AtomicBoolean();

    PinnedRange(FileChannel channel, long position, int count, Runnable release) {
        this.channel = channel;
        this.position = position;
        this.count = count;
        this.release = release;
    }

    /** The segment file's channel, open until {@link #close}; read it with positional calls only. */
    public FileChannel channel() {
        return channel;
    }

    /** Where the range starts in the file. */
    public long position() {
        return position;
    }

    /** How many bytes the range holds. */
    public int count() {
        return count;
    }

    /** Gives the channel back to the descriptor cache. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            release.run();
        }
    }
}
