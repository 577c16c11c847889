package dev.ferry.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * An in-memory {@link LogFileSystem} that behaves like a POSIX file system across a power cut,
 * with faults a test can switch on. Deterministic: nothing in it depends on time or threads.
 *
 * <p>Model. Each file's data has a <em>durable</em> state (what a crash leaves) and a list of the
 * writes and truncations made since its last {@code force}; reads see all of them. A directory
 * likewise has durable names and the creations, renames and deletions since its last
 * {@link #fsyncDirectory}. {@link #crash} returns the machine after a power cut: every file keeps
 * its durable data plus a random prefix of its later operations (the last one possibly torn part
 * way through), every directory its durable names plus a random prefix of its later operations.
 * Creating a directory is durable at once (a simplification: logs fsync the parent anyway).
 *
 * <p>Faults: {@link #limitSpace} (writes past it write what fits, then fail with "No space left
 * on device"), {@link #failForces} (the next n fsyncs fail and, as on Linux, the data they should
 * have made durable is dropped from the durable state while reads still see it),
 * {@link #failDirectorySyncs}, {@link #failTruncates}, and {@link #flipBit} (damage on the medium, in durable data and in
 * what reads see alike).
 *
 * <p>Thread safety: every operation synchronises on the file system, so a log's flusher thread
 * may use it beside the writer.
 */
public final class SimulatedFileSystem implements LogFileSystem {
    private volatile Runnable beforeEachForce = () -> { };
    private final Map<Path, Directory> directories = new HashMap<>();
    private long spaceBytes = Long.MAX_VALUE;
    private int forceFailures;
    private int directorySyncFailures;
    private int truncateFailures;
    private long forces;
    private long bytesRead;

    /** A file's data. */
    private static final class Inode {
        byte[] current = new byte[0];
        int currentLength;
        byte[] durable = new byte[0];
        int durableLength;
        final List<DataOp> pending = new ArrayList<>();
        int openChannels;
    }

    private interface DataOp {
    }

    private record Write(long position, byte[] bytes) implements DataOp {
    }

    private record Truncate(long size) implements DataOp {
    }

    private static final class Directory {
        final Map<String, Inode> current = new TreeMap<>();
        final Map<String, Inode> durable = new TreeMap<>();
        final List<NameOp> pending = new ArrayList<>();
    }

    private interface NameOp {
    }

    private record Link(String name, Inode inode) implements NameOp {
    }

    private record Unlink(String name) implements NameOp {
    }

    private record Rename(String from, String to, Inode inode) implements NameOp {
    }

    /** Total bytes all files may hold; writes beyond fail. {@link Long#MAX_VALUE} for no limit. */
    public synchronized void limitSpace(long bytes) {
        spaceBytes = bytes;
    }

    /** Frees the space limit. */
    public synchronized void unlimitSpace() {
        spaceBytes = Long.MAX_VALUE;
    }

    /** Bytes held by all files now. */
    public synchronized long usedBytes() {
        long used = 0;
        for (Inode inode : liveInodes()) {
            used += inode.currentLength;
        }
        return used;
    }

    /**
     * Runs {@code hook} at the start of every file fsync, on the fsyncing thread and without this file
     * system's lock: a test blocks it there to end fsyncs in the order it needs.
     */
    public void beforeEachForce(Runnable hook) {
        beforeEachForce = hook;
    }

    /** The next {@code count} file fsyncs fail. */
    public synchronized void failForces(int count) {
        forceFailures = count;
    }

    /** The next {@code count} directory fsyncs fail. */
    public synchronized void failDirectorySyncs(int count) {
        directorySyncFailures = count;
    }

    /** The next {@code count} truncations of a file through a channel fail, changing nothing. */
    public synchronized void failTruncates(int count) {
        truncateFailures = count;
    }

    /** How many bytes were read from files so far (positional and sequential reads). */
    public synchronized long bytesRead() {
        return bytesRead;
    }

    /** How many file fsyncs succeeded so far. */
    public synchronized long forces() {
        return forces;
    }

    /** The names of the files in {@code directory} now, sorted. */
    public synchronized List<String> fileNames(Path directory) {
        Directory dir = directories.get(normalize(directory));
        return dir == null ? List.of() : List.copyOf(dir.current.keySet());
    }

    /** The bytes of a file as a reader sees them now. */
    public synchronized byte[] content(Path file) throws IOException {
        Inode inode = inode(file);
        return Arrays.copyOf(inode.current, inode.currentLength);
    }

    /** Flips one bit of a file, on the medium: durable data and what reads see alike. */
    public synchronized void flipBit(Path file, long position, int bit) throws IOException {
        Inode inode = inode(file);
        if (position >= inode.currentLength) {
            throw new IllegalArgumentException(file + " has " + inode.currentLength + " bytes, cannot flip byte " + position);
        }
        inode.current[(int) position] ^= (byte) (1 << bit);
        if (position < inode.durableLength) {
            inode.durable[(int) position] ^= (byte) (1 << bit);
        }
        for (DataOp op : inode.pending) {
            if (op instanceof Write write && position >= write.position() && position < write.position() + write.bytes().length) {
                write.bytes()[(int) (position - write.position())] ^= (byte) (1 << bit);
            }
        }
    }

    /**
     * The machine after a power cut: each file keeps its durable data and a random prefix of its
     * later operations (the last one possibly torn), each directory its durable names and a random
     * prefix of its later changes. This file system is left as it was; use the returned one.
     */
    public synchronized SimulatedFileSystem crash(SplittableRandom random) {
        SimulatedFileSystem after = new SimulatedFileSystem();
        Map<Inode, Inode> survivors = new LinkedHashMap<>();
        for (Map.Entry<Path, Directory> entry : directories.entrySet()) {
            Directory before = entry.getValue();
            Map<String, Inode> names = new TreeMap<>(before.durable);
            int kept = random.nextInt(before.pending.size() + 1);
            for (NameOp op : before.pending.subList(0, kept)) {
                if (op instanceof Link link) {
                    names.put(link.name(), link.inode());
                } else if (op instanceof Unlink unlink) {
                    names.remove(unlink.name());
                } else if (op instanceof Rename rename) {
                    names.remove(rename.from());
                    names.put(rename.to(), rename.inode());
                }
            }
            Directory dir = new Directory();
            for (Map.Entry<String, Inode> name : names.entrySet()) {
                Inode survivor = survivors.computeIfAbsent(name.getValue(), inode -> afterCrash(inode, random));
                dir.current.put(name.getKey(), survivor);
                dir.durable.put(name.getKey(), survivor);
            }
            after.directories.put(entry.getKey(), dir);
        }
        after.spaceBytes = spaceBytes;
        return after;
    }

    private static Inode afterCrash(Inode inode, SplittableRandom random) {
        byte[] data = Arrays.copyOf(inode.durable, inode.durableLength);
        int length = inode.durableLength;
        int kept = random.nextInt(inode.pending.size() + 1);
        for (int i = 0; i < kept; i++) {
            DataOp op = inode.pending.get(i);
            boolean last = i == kept - 1;
            if (op instanceof Write write) {
                int bytes = write.bytes().length;
                if (last && bytes > 0 && random.nextBoolean()) {
                    bytes = random.nextInt(bytes); // torn part way through
                }
                int end = (int) write.position() + bytes;
                if (end > data.length) {
                    data = Arrays.copyOf(data, Math.max(end, data.length * 2));
                }
                System.arraycopy(write.bytes(), 0, data, (int) write.position(), bytes);
                length = Math.max(length, end);
            } else if (op instanceof Truncate truncate) {
                if (truncate.size() < length) {
                    Arrays.fill(data, (int) truncate.size(), length, (byte) 0);
                    length = (int) truncate.size();
                }
            }
        }
        Inode survivor = new Inode();
        survivor.current = Arrays.copyOf(data, length);
        survivor.currentLength = length;
        survivor.durable = Arrays.copyOf(data, length);
        survivor.durableLength = length;
        return survivor;
    }

    @Override
    public synchronized FileChannel open(Path file, OpenOption... options) throws IOException {
        Set<OpenOption> set = Set.of(options);
        Directory dir = directoryOf(file);
        String name = file.getFileName().toString();
        Inode inode = dir.current.get(name);
        if (inode == null) {
            if (!set.contains(StandardOpenOption.CREATE) && !set.contains(StandardOpenOption.CREATE_NEW)) {
                throw new NoSuchFileException(file.toString());
            }
            inode = new Inode();
            dir.current.put(name, inode);
            dir.pending.add(new Link(name, inode));
        } else if (set.contains(StandardOpenOption.CREATE_NEW)) {
            throw new FileAlreadyExistsException(file.toString());
        }
        boolean writable = set.contains(StandardOpenOption.WRITE) || set.contains(StandardOpenOption.APPEND);
        if (set.contains(StandardOpenOption.TRUNCATE_EXISTING) && writable && inode.currentLength > 0) {
            truncate(inode, 0);
        }
        inode.openChannels++;
        return new SimulatedChannel(inode, set.contains(StandardOpenOption.READ) || !writable, writable);
    }

    @Override
    public synchronized void createDirectories(Path directory) {
        Path path = normalize(directory);
        while (path != null && !directories.containsKey(path)) {
            directories.put(path, new Directory());
            path = path.getParent();
        }
    }

    @Override
    public synchronized boolean exists(Path path) {
        Path normalized = normalize(path);
        if (directories.containsKey(normalized)) {
            return true;
        }
        Directory dir = normalized.getParent() == null ? null : directories.get(normalized.getParent());
        return dir != null && dir.current.containsKey(normalized.getFileName().toString());
    }

    @Override
    public synchronized long size(Path file) throws IOException {
        return inode(file).currentLength;
    }

    @Override
    public synchronized List<Path> list(Path directory) throws IOException {
        Path normalized = normalize(directory);
        Directory dir = directories.get(normalized);
        if (dir == null) {
            throw new NoSuchFileException(directory.toString());
        }
        List<Path> entries = new ArrayList<>();
        for (String name : dir.current.keySet()) {
            entries.add(normalized.resolve(name));
        }
        for (Path other : directories.keySet()) {
            if (normalized.equals(other.getParent())) {
                entries.add(other);
            }
        }
        return entries;
    }

    @Override
    public synchronized boolean deleteIfExists(Path file) throws IOException {
        Directory dir = directoryOf(file);
        String name = file.getFileName().toString();
        if (dir.current.remove(name) == null) {
            return false;
        }
        dir.pending.add(new Unlink(name));
        return true;
    }

    @Override
    public synchronized void moveAtomically(Path source, Path target) throws IOException {
        Directory dir = directoryOf(source);
        if (directoryOf(target) != dir) {
            throw new IOException("the simulation renames within one directory only: " + source + " -> " + target);
        }
        String from = source.getFileName().toString();
        String to = target.getFileName().toString();
        Inode inode = dir.current.remove(from);
        if (inode == null) {
            throw new NoSuchFileException(source.toString());
        }
        dir.current.put(to, inode);
        dir.pending.add(new Rename(from, to, inode));
    }

    @Override
    public synchronized void fsyncDirectory(Path directory) throws IOException {
        Directory dir = directories.get(normalize(directory));
        if (dir == null) {
            throw new NoSuchFileException(directory.toString());
        }
        if (directorySyncFailures > 0) {
            directorySyncFailures--;
            throw new IOException("Input/output error (simulated, fsync of directory " + directory + ")");
        }
        dir.durable.clear();
        dir.durable.putAll(dir.current);
        dir.pending.clear();
    }

    private Inode inode(Path file) throws IOException {
        Directory dir = directoryOf(file);
        Inode inode = dir.current.get(file.getFileName().toString());
        if (inode == null) {
            throw new NoSuchFileException(file.toString());
        }
        return inode;
    }

    private Directory directoryOf(Path file) throws IOException {
        Path parent = normalize(file).getParent();
        Directory dir = parent == null ? null : directories.get(parent);
        if (dir == null) {
            throw new NoSuchFileException(file + " (no directory " + parent + ")");
        }
        return dir;
    }

    private static Path normalize(Path path) {
        return path.toAbsolutePath().normalize();
    }

    private List<Inode> liveInodes() {
        List<Inode> live = new ArrayList<>();
        java.util.IdentityHashMap<Inode, Boolean> seen = new java.util.IdentityHashMap<>();
        for (Directory dir : directories.values()) {
            for (Inode inode : dir.current.values()) {
                if (seen.put(inode, Boolean.TRUE) == null) {
                    live.add(inode);
                }
            }
        }
        return live;
    }

    private void truncate(Inode inode, long size) {
        if (size < inode.currentLength) {
            Arrays.fill(inode.current, (int) size, inode.currentLength, (byte) 0);
            inode.currentLength = (int) size;
            inode.pending.add(new Truncate(size));
        }
    }

    /** Writes what fits in the space left; returns bytes written, or throws if none fit. */
    private int write(Inode inode, ByteBuffer source, long position) throws IOException {
        int bytes = source.remaining();
        long growth = Math.max(0, position + bytes - inode.currentLength);
        long free = spaceBytes == Long.MAX_VALUE ? Long.MAX_VALUE : spaceBytes - usedBytes();
        if (growth > free) {
            bytes = (int) Math.max(0, bytes - (growth - Math.max(0, free)));
            if (bytes == 0) {
                throw new IOException("No space left on device (simulated)");
            }
        }
        byte[] data = new byte[bytes];
        source.get(data);
        int end = (int) position + bytes;
        if (end > inode.current.length) {
            inode.current = Arrays.copyOf(inode.current, Math.max(end, inode.current.length * 2));
        }
        System.arraycopy(data, 0, inode.current, (int) position, bytes);
        inode.currentLength = Math.max(inode.currentLength, end);
        inode.pending.add(new Write(position, data));
        return bytes;
    }

    private void force(Inode inode) throws IOException {
        if (forceFailures > 0) {
            forceFailures--;
            // As Linux after a failed writeback: the pages are marked clean, the data never reaches the disk.
            inode.pending.clear();
            throw new IOException("Input/output error (simulated fsync failure)");
        }
        byte[] data = Arrays.copyOf(inode.durable, Math.max(inode.durableLength, inode.currentLength));
        int length = inode.durableLength;
        for (DataOp op : inode.pending) {
            if (op instanceof Write write) {
                int end = (int) write.position() + write.bytes().length;
                if (end > data.length) {
                    data = Arrays.copyOf(data, end);
                }
                System.arraycopy(write.bytes(), 0, data, (int) write.position(), write.bytes().length);
                length = Math.max(length, end);
            } else if (op instanceof Truncate truncate && truncate.size() < length) {
                Arrays.fill(data, (int) truncate.size(), length, (byte) 0);
                length = (int) truncate.size();
            }
        }
        // The size is the inode's, not a page's: a successful fsync writes the size the file has
        // now, even when a failed fsync before it dropped the pages (and the truncation) it
        // covered. Bytes past that size do not survive; a range the lost pages covered reads as zeros.
        if (inode.currentLength < length) {
            Arrays.fill(data, inode.currentLength, length, (byte) 0);
        }
        length = inode.currentLength;
        inode.durable = Arrays.copyOf(data, length);
        inode.durableLength = length;
        inode.pending.clear();
        forces++;
    }

    /** A channel on one file of the simulation. */
    private final class SimulatedChannel extends FileChannel {
        private final Inode inode;
        private final boolean readable;
        private final boolean writable;
        private long position;

        SimulatedChannel(Inode inode, boolean readable, boolean writable) {
            this.inode = inode;
            this.readable = readable;
            this.writable = writable;
        }

        private void checkOpen() throws ClosedChannelException {
            if (!isOpen()) {
                throw new ClosedChannelException();
            }
        }

        @Override
        public int read(ByteBuffer destination) throws IOException {
            synchronized (SimulatedFileSystem.this) {
                int read = read(destination, position);
                if (read > 0) {
                    position += read;
                }
                return read;
            }
        }

        @Override
        public long read(ByteBuffer[] destinations, int offset, int length) throws IOException {
            synchronized (SimulatedFileSystem.this) {
                long total = 0;
                for (int i = offset; i < offset + length; i++) {
                    int read = read(destinations[i]);
                    if (read < 0) {
                        return total == 0 ? -1 : total;
                    }
                    total += read;
                }
                return total;
            }
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            synchronized (SimulatedFileSystem.this) {
                int written = write(source, position);
                position += written;
                return written;
            }
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
            synchronized (SimulatedFileSystem.this) {
                long total = 0;
                for (int i = offset; i < offset + length; i++) {
                    total += write(sources[i]);
                }
                return total;
            }
        }

        @Override
        public long position() throws IOException {
            checkOpen();
            return position;
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            checkOpen();
            position = newPosition;
            return this;
        }

        @Override
        public long size() throws IOException {
            synchronized (SimulatedFileSystem.this) {
                checkOpen();
                return inode.currentLength;
            }
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            synchronized (SimulatedFileSystem.this) {
                checkOpen();
                if (!writable) {
                    throw new NonWritableChannelException();
                }
                if (truncateFailures > 0) {
                    truncateFailures--;
                    throw new IOException("Input/output error (simulated, truncate)");
                }
                SimulatedFileSystem.this.truncate(inode, size);
                position = Math.min(position, size);
                return this;
            }
        }

        @Override
        public void force(boolean metaData) throws IOException {
            beforeEachForce.run(); // outside the monitor: a test may hold an fsync here while others go on
            synchronized (SimulatedFileSystem.this) {
                checkOpen();
                SimulatedFileSystem.this.force(inode);
            }
        }

        @Override
        public long transferTo(long from, long count, WritableByteChannel target) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(count, 64 * 1024));
            int read = read(buffer, from);
            if (read <= 0) {
                return 0;
            }
            buffer.flip();
            long sent = 0;
            while (buffer.hasRemaining()) {
                sent += target.write(buffer);
            }
            return sent;
        }

        @Override
        public long transferFrom(ReadableByteChannel source, long at, long count) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(count, 64 * 1024));
            int read = source.read(buffer);
            if (read <= 0) {
                return 0;
            }
            buffer.flip();
            return write(buffer, at);
        }

        @Override
        public int read(ByteBuffer destination, long at) throws IOException {
            synchronized (SimulatedFileSystem.this) {
                checkOpen();
                if (!readable) {
                    throw new NonReadableChannelException();
                }
                if (at >= inode.currentLength) {
                    return destination.hasRemaining() ? -1 : 0;
                }
                int bytes = (int) Math.min(destination.remaining(), inode.currentLength - at);
                destination.put(inode.current, (int) at, bytes);
                bytesRead += bytes;
                return bytes;
            }
        }

        @Override
        public int write(ByteBuffer source, long at) throws IOException {
            synchronized (SimulatedFileSystem.this) {
                checkOpen();
                if (!writable) {
                    throw new NonWritableChannelException();
                }
                return SimulatedFileSystem.this.write(inode, source, at);
            }
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long at, long size) {
            throw new UnsupportedOperationException("the simulation does not map files");
        }

        @Override
        public FileLock lock(long at, long size, boolean shared) {
            throw new UnsupportedOperationException("the simulation does not lock files");
        }

        @Override
        public FileLock tryLock(long at, long size, boolean shared) {
            throw new UnsupportedOperationException("the simulation does not lock files");
        }

        @Override
        protected void implCloseChannel() {
            synchronized (SimulatedFileSystem.this) {
                inode.openChannels--;
            }
        }
    }
}
