package dev.ferry.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real file system with a few knobs for what a real disk does rarely or only at scale: a
 * size reported for a file (a segment near 2 GiB without writing one), reads that stop short,
 * a channel closed under its user (as another thread's interrupt does), a failing truncate, and
 * fsync descriptors that cannot be opened.
 */
final class TweakableFileSystem implements LogFileSystem {
    private final LogFileSystem real = LogFileSystem.real();
    /** The size {@link #size} reports, or -1 for the file's own. */
    volatile long reportedSize = -1;
    /** The most bytes one positional read returns, or 0 for no limit. */
    volatile int maxBytesPerRead;
    /** Which positional read or transfer (1 = the next) finds its channel closed under it, or 0 for none. */
    final AtomicInteger closeAtCall = new AtomicInteger();
    /** Whether every channel opened is closed before its first use. */
    volatile boolean openClosed;
    volatile boolean failTruncate;
    /** How many positional reads (from the next) return no bytes, as the channel contract allows. */
    final AtomicInteger emptyReads = new AtomicInteger();
    /** How many positional reads were made through this file system's channels. */
    final AtomicInteger positionalReads = new AtomicInteger();
    /** Bytes a channel's {@code size()} reports beyond the file's own. */
    volatile long extraChannelBytes;
    /** How many more write-only opens (the descriptors fsyncs use) succeed, or -1 for no limit. */
    volatile int writeOnlyOpensLeft = -1;

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        if (options.length == 1 && options[0] == StandardOpenOption.WRITE && writeOnlyOpensLeft >= 0
                && writeOnlyOpensLeft-- == 0) {
            throw new IOException("no descriptor left for " + file);
        }
        TweakedChannel channel = new TweakedChannel(real.open(file, options));
        if (openClosed) {
            channel.close();
        }
        return channel;
    }

    @Override
    public void createDirectories(Path directory) throws IOException {
        real.createDirectories(directory);
    }

    @Override
    public boolean exists(Path path) {
        return real.exists(path);
    }

    @Override
    public long size(Path file) throws IOException {
        long size = reportedSize;
        return size >= 0 ? size : real.size(file);
    }

    @Override
    public List<Path> list(Path directory) throws IOException {
        return real.list(directory);
    }

    @Override
    public boolean deleteIfExists(Path file) throws IOException {
        return real.deleteIfExists(file);
    }

    @Override
    public void moveAtomically(Path source, Path target) throws IOException {
        real.moveAtomically(source, target);
    }

    @Override
    public void fsyncDirectory(Path directory) throws IOException {
        real.fsyncDirectory(directory);
    }

    private void closeIfDue(FileChannel channel) throws IOException {
        if (closeAtCall.get() > 0 && closeAtCall.decrementAndGet() == 0) {
            channel.close();
            throw new ClosedChannelException();
        }
    }

    private final class TweakedChannel extends FileChannel {
        private final FileChannel delegate;

        TweakedChannel(FileChannel delegate) {
            this.delegate = delegate;
        }

        @Override
        public int read(ByteBuffer destination, long position) throws IOException {
            positionalReads.incrementAndGet();
            if (emptyReads.get() > 0 && emptyReads.getAndDecrement() > 0) {
                return 0;
            }
            closeIfDue(this);
            int limit = maxBytesPerRead;
            if (!isOpen()) {
                throw new ClosedChannelException();
            }
            if (limit <= 0 || destination.remaining() <= limit) {
                return delegate.read(destination, position);
            }
            ByteBuffer part = destination.slice(destination.position(), limit);
            int read = delegate.read(part, position);
            if (read > 0) {
                destination.position(destination.position() + read);
            }
            return read;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            closeIfDue(this);
            if (!isOpen()) {
                throw new ClosedChannelException();
            }
            return delegate.transferTo(position, count, target);
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            if (failTruncate) {
                throw new IOException("truncate refused");
            }
            delegate.truncate(size);
            return this;
        }

        @Override
        public int read(ByteBuffer destination) throws IOException {
            return delegate.read(destination);
        }

        @Override
        public long read(ByteBuffer[] destinations, int offset, int length) throws IOException {
            return delegate.read(destinations, offset, length);
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            return delegate.write(source);
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
            return delegate.write(sources, offset, length);
        }

        @Override
        public int write(ByteBuffer source, long position) throws IOException {
            return delegate.write(source, position);
        }

        @Override
        public long position() throws IOException {
            return delegate.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            delegate.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return delegate.size() + extraChannelBytes;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            delegate.force(metaData);
        }

        @Override
        public long transferFrom(ReadableByteChannel source, long position, long count) throws IOException {
            return delegate.transferFrom(source, position, count);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return delegate.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return delegate.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return delegate.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            delegate.close();
        }
    }
}
