package dev.ferry.log;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The bytes of one segment file, reached through the broker's {@link FileHandleCache}: positional
 * reads, appends at the end, truncation, fsync and zero-copy transfer. It holds no descriptor of
 * its own; each call pins a cached handle for its duration.
 *
 * <p>The size is Ferry's own count, not the file's: it moves forward only after a write has
 * completed, so a concurrent reader never sees part of an append, and it is what a failed
 * append is cut back to.
 *
 * <p>Thread safety: one writer ({@link #append}, {@link #truncate}) and any number of readers.
 */
final class SegmentFile {
    private final FileHandleCache cache;
    private final FileHandleCache.CachedFile handle;
    private final Path path;
    private volatile int size;
    private boolean heldOpen;
    // The descriptors fsyncs use, one per sync that may run at once: see startSync. Guarded by syncSlots.
    private final Object syncSlots = new Object();
    private FileHandleCache.CachedFile[] syncHandles;
    private final FileChannel[] syncChannels = new FileChannel[SYNC_SLOTS];
    private int syncsRunning;
    private int busySlots; // a bit per slot
    private boolean closed;

    /** How many fsyncs of one file may run at once, each on its own descriptor. */
    static final int SYNC_SLOTS = 2;

    private SegmentFile(FileHandleCache cache, Path path, int size) {
        this.cache = cache;
        this.path = path;
        this.handle = cache.file(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.size = size;
    }

    /** An existing segment file; its size is read from the file system. */
    static SegmentFile open(FileHandleCache cache, Path path) throws IOException {
        long bytes = cache.fileSystem().size(path);
        if (bytes > Integer.MAX_VALUE) {
            throw new IOException(path + " holds " + bytes + " bytes, more than a segment can");
        }
        return new SegmentFile(cache, path, (int) bytes);
    }

    /** Creates a new, empty segment file; fails if it exists. */
    static SegmentFile create(FileHandleCache cache, Path path) throws IOException {
        cache.fileSystem().open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        return new SegmentFile(cache, path, 0);
    }

    Path path() {
        return path;
    }

    /** Bytes written and complete. */
    int size() {
        return size;
    }

    /** Fills {@code buffer} from {@code position}; {@link EOFException} if the file ends first. */
    void readFully(ByteBuffer buffer, long position) throws IOException {
        int start = buffer.position();
        for (int attempt = 0; ; attempt++) {
            FileChannel channel = cache.acquire(handle);
            try {
                long at = position + (buffer.position() - start);
                while (buffer.hasRemaining()) {
                    int read = channel.read(buffer, at);
                    if (read < 0) {
                        throw new EOFException(path.getFileName() + " ends at " + at + " with "
                                + buffer.remaining() + " bytes still to read");
                    }
                    at += read;
                }
                return;
            } catch (ClosedChannelException e) {
                retryOrThrow(channel, e, attempt);
            } finally {
                cache.release(handle);
            }
        }
    }

    /** Writes {@code buffer} at the end, then publishes the new size. On failure the size is unchanged. */
    void append(ByteBuffer buffer) throws IOException {
        int bytes = buffer.remaining();
        long newSize = (long) size + bytes;
        if (newSize > Integer.MAX_VALUE) {
            throw new IOException(path.getFileName() + " would pass " + Integer.MAX_VALUE + " bytes");
        }
        FileChannel channel = cache.acquire(handle);
        try {
            long at = size;
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
        } finally {
            cache.release(handle);
        }
        size = (int) newSize;
    }

    /** Cuts the file to {@code newSize} bytes (and Ferry's size with it). Writer only. */
    void truncate(int newSize) throws IOException {
        FileChannel channel = cache.acquire(handle);
        try {
            if (newSize < size) {
                size = newSize;
            }
            channel.truncate(newSize);
            size = newSize;
        } finally {
            cache.release(handle);
        }
    }

    /** Forces the file's data to disk (fdatasync; the length goes with it). */
    void force() throws IOException {
        FileChannel channel = cache.acquire(handle);
        try {
            channel.force(false);
        } finally {
            cache.release(handle);
        }
    }

    /**
     * Claims a descriptor for one fsync that may run beside another of this file, and returns its
     * slot for {@link #forceSlot} and {@link #endSync}. The first sync of a burst (none running)
     * opens and pins every slot's descriptor; they stay pinned until the last running sync ends.
     *
     * <p>Why: Linux reports a writeback error once to each open file description, at its next
     * fsync. Two fsyncs through one descriptor could see one error between them, and the one that
     * did not see it would report pages durable that are not. With a descriptor each, and every
     * descriptor opened before the first fsync of the burst began, each fsync sees any error that
     * could touch the pages it covers. An error seen by an fsync of an earlier burst failed the log
     * before the burst ended (the caller ends a sync only after recording its outcome), so a
     * descriptor opened afresh for a new burst misses nothing that matters.
     *
     * @throws IOException if a descriptor cannot be opened (nothing stays claimed)
     */
    int startSync() throws IOException {
        synchronized (syncSlots) {
            if (closed) {
                throw new ClosedChannelException();
            }
            if (syncsRunning == SYNC_SLOTS) {
                throw new IllegalStateException("more than " + SYNC_SLOTS + " fsyncs of " + path.getFileName() + " at once");
            }
            if (syncsRunning == 0) {
                if (syncHandles == null) {
                    syncHandles = new FileHandleCache.CachedFile[SYNC_SLOTS];
                    for (int slot = 0; slot < SYNC_SLOTS; slot++) {
                        syncHandles[slot] = cache.file(path, StandardOpenOption.WRITE);
                    }
                }
                int pinned = 0;
                try {
                    for (; pinned < SYNC_SLOTS; pinned++) {
                        syncChannels[pinned] = cache.acquire(syncHandles[pinned]);
                    }
                } catch (IOException | RuntimeException e) {
                    for (int slot = 0; slot < pinned; slot++) {
                        syncChannels[slot] = null;
                        cache.release(syncHandles[slot]);
                    }
                    throw e;
                }
            }
            for (int slot = 0; ; slot++) {
                if (syncChannels[slot] != null && !isSlotBusy(slot)) {
                    busySlots |= 1 << slot;
                    syncsRunning++;
                    return slot;
                }
            }
        }
    }

    private boolean isSlotBusy(int slot) {
        return (busySlots & (1 << slot)) != 0;
    }

    /** Fsyncs (fdatasync) through the descriptor of a slot {@link #startSync} claimed; no lock held. */
    void forceSlot(int slot) throws IOException {
        FileChannel channel;
        synchronized (syncSlots) {
            channel = syncChannels[slot];
        }
        channel.force(false);
    }

    /** Gives the slot back; the last sync running unpins and closes every slot's descriptor. */
    void endSync(int slot) {
        synchronized (syncSlots) {
            busySlots &= ~(1 << slot);
            if (--syncsRunning == 0) {
                // Closed rather than left idle in the cache: a log between bursts holds no more
                // descriptors than before fsyncs overlapped (two opens per burst are cheap beside an fsync).
                for (int i = 0; i < SYNC_SLOTS; i++) {
                    syncChannels[i] = null;
                    cache.release(syncHandles[i]);
                    cache.closeIfIdle(syncHandles[i]);
                }
            }
        }
    }

    /** Sends {@code count} bytes from {@code position} to {@code target} (sendfile where possible); returns bytes sent. */
    long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        for (int attempt = 0; ; attempt++) {
            FileChannel channel = cache.acquire(handle);
            try {
                return channel.transferTo(position, count, target);
            } catch (ClosedChannelException e) {
                if (!target.isOpen()) {
                    throw e;
                }
                retryOrThrow(channel, e, attempt);
            } finally {
                cache.release(handle);
            }
        }
    }

    /**
     * Pins the shared handle (opening it if it was evicted) until the returned range is closed.
     *
     * @throws ClosedChannelException if the file was closed for good (segment deleted, log closed)
     */
    PinnedRange pin(long position, int count) throws IOException {
        FileChannel channel = cache.acquire(handle);
        return new PinnedRange(channel, position, count, () -> cache.release(handle));
    }

    /**
     * A reader found the shared channel closed: either the file was discarded (log closed,
     * segment deleted), which is final, or another thread was interrupted during I/O on it, which
     * closes a {@link FileChannel} for everyone; then the channel is dropped and the call retried
     * once on a fresh one.
     */
    private void retryOrThrow(FileChannel channel, ClosedChannelException e, int attempt) throws ClosedChannelException {
        if (e instanceof ClosedByInterruptException || attempt > 0) {
            throw e;
        }
        cache.invalidate(handle, channel);
    }

    /**
     * Pins the handle until {@link #close}: a deleted segment's file stays readable through it for
     * the readers that found the segment just before, although its name is gone. Writer only.
     */
    void holdOpen() throws IOException {
        if (!heldOpen) {
            cache.acquire(handle);
            heldOpen = true;
        }
    }

    /** Closes the handle for good (at once if idle, else when its users release it). */
    void close() {
        cache.discard(handle);
        synchronized (syncSlots) {
            closed = true;
            if (syncHandles != null) {
                for (FileHandleCache.CachedFile syncHandle : syncHandles) {
                    cache.discard(syncHandle); // a running sync keeps its descriptor until it ends
                }
            }
        }
        if (heldOpen) {
            heldOpen = false;
            cache.release(handle);
        }
    }

    @Override
    public String toString() {
        return "SegmentFile{" + path + ", " + size + " bytes}";
    }
}
