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
