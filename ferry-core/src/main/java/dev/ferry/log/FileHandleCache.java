package dev.ferry.log;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded set of open segment file descriptors shared by every log of a broker, so the number
 * of logs is not limited by the process's descriptor limit: a file is opened when it is needed
 * and closed when it has been idle longest and another file needs the slot (least recently used).
 *
 * <p>A handle is <em>pinned</em> while an append, fsync, read or transfer uses it, and a pinned
 * handle is never closed: eviction picks only idle ones. Pins last one I/O call, not the life of a
 * {@link LogSlice}: a slice reopens its file if the handle was evicted in between, so readers
 * never fail because of the cache. When every open handle is pinned the cache opens one more
 * rather than block (a blocked reader could hold the pin the writer waits for); {@link #openCount()}
 * can therefore exceed {@link #capacity()} by the number of concurrent I/O calls, which the
 * default capacity leaves room for.
 *
 * <p>Sharing: a broker creates one cache (sized from its configuration or
 * {@link #defaultCapacity()}) and passes it to every {@link Log#open(Path, LogConfig, LogFlusher,
 * FileHandleCache)}, as it shares one {@link LogFlusher}. Logs opened without one share
 * {@link #processDefault()}. The cache also carries the {@link LogFileSystem} its logs use, so a
 * test that injects faults passes one object.
 *
 * <p>Design note: closing a file with data written but not yet fsynced and fsyncing it later
 * through a new descriptor is safe on Linux: fsync flushes the file's dirty pages whichever
 * descriptor wrote them, and since Linux 4.16 a writeback error not yet reported is reported to
 * the next fsync of any descriptor opened afterwards. So dirty files are not pinned, and a log
 * that is idle holds no descriptor at all.
 *
 * <p>Thread safety: safe for concurrent use. One lock guards the bookkeeping and is never held
 * during I/O; opening a file happens under that file's own monitor, so two readers of an evicted
 * file open it once.
 */
public final class FileHandleCache {
    private static final Logger LOG = LoggerFactory.getLogger(FileHandleCache.class);
    /** The smallest capacity accepted; a cache this small still works, it just reopens files more often. */
    public static final int CAPACITY_MIN = 4;
    private static final int DEFAULT_CAPACITY_MIN = 16;
    private static final int DEFAULT_CAPACITY_MAX = 16_384;
    private static volatile FileHandleCache processDefault;

    private final int capacity;
    private final LogFileSystem fileSystem;
    private final ReentrantLock lock = new ReentrantLock();
    // Open, unpinned handles from least to most recently used; guarded by lock.
    private CachedFile leastRecent;
    private CachedFile mostRecent;
    private int openCount;
    private long opens;
    private long evictions;

    /** A cache of at most {@code capacity} idle open files on the real file system. */
    public FileHandleCache(int capacity) {
        this(capacity, LogFileSystem.real());
    }

    /**
     * A cache of at most {@code capacity} idle open files of {@code fileSystem}.
     *
     * @throws IllegalArgumentException if {@code capacity} is below {@link #CAPACITY_MIN}
     */
    public FileHandleCache(int capacity, LogFileSystem fileSystem) {
        if (capacity < CAPACITY_MIN) {
            throw new IllegalArgumentException("file handle cache capacity " + capacity + " is below the minimum " + CAPACITY_MIN);
        }
        this.capacity = capacity;
        this.fileSystem = fileSystem;
    }

    /** The cache shared by logs opened without one: {@link #defaultCapacity()} handles on the real file system. */
    public static FileHandleCache processDefault() {
        FileHandleCache cache = processDefault;
        if (cache == null) {
            synchronized (FileHandleCache.class) {
                cache = processDefault;
                if (cache == null) {
                    cache = new FileHandleCache(defaultCapacity());
                    processDefault = cache;
                }
            }
        }
        return cache;
    }

    /**
     * Half the process's descriptor limit (the other half is left for sockets, the JVM's own files
     * and files opened briefly, such as index and checkpoint writes), between 16 and 16,384; 512
     * if the limit cannot be read.
     */
    public static int defaultCapacity() {
        OptionalLong limit = descriptorLimit();
        if (limit.isEmpty()) {
            return 512;
        }
        return (int) Math.max(DEFAULT_CAPACITY_MIN, Math.min(DEFAULT_CAPACITY_MAX, limit.getAsLong() / 2));
    }

    /** The process's limit on open descriptors (RLIMIT_NOFILE), if the platform tells. */
    public static OptionalLong descriptorLimit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long limit = unix.getMaxFileDescriptorCount();
            if (limit > 0) {
                return OptionalLong.of(limit);
            }
        }
        return descriptorLimitFromProc();
    }

    private static OptionalLong descriptorLimitFromProc() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
                    return fields[0].equals("unlimited") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(fields[0]));
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Cannot read /proc/self/limits: {}", e.toString());
        }
        return OptionalLong.empty();
    }

    /** How many idle handles the cache keeps open at most. */
    public int capacity() {
        return capacity;
    }

    /** The file system the logs using this cache work on. */
    public LogFileSystem fileSystem() {
        return fileSystem;
    }

    /** Handles open now, pinned or idle. */
    public int openCount() {
        lock.lock();
        try {
            return openCount;
        } finally {
            lock.unlock();
        }
    }

    /** Files opened since the cache was created (first opens and reopens after eviction). */
    public long opens() {
        lock.lock();
        try {
            return opens;
        } finally {
            lock.unlock();
        }
    }

    /** Idle handles closed to make room for others. */
    public long evictions() {
        lock.lock();
        try {
            return evictions;
        } finally {
            lock.unlock();
        }
    }

    /** A file this cache will open on demand with {@code options}; nothing is opened yet. */
    CachedFile file(Path path, OpenOption... options) {
        return new CachedFile(path, options);
    }

    /**
     * Pins the file's handle, opening it if needed, and returns its channel; every call must be
     * matched by {@link #release}.
     *
     * @throws ClosedChannelException if the file was {@link #discard discarded}
     */
    FileChannel acquire(CachedFile file) throws IOException {
        lock.lock();
        try {
            if (file.discarded) {
                throw new ClosedChannelException();
            }
            file.pins++;
            if (file.channel != null && !file.channel.isOpen()) {
                // Closed under its users by a thread interrupted during I/O on it: open it afresh.
                unlinkIdle(file);
                file.channel = null;
                openCount--;
            }
            if (file.channel != null) {
                unlinkIdle(file);
                return file.channel;
            }
        } finally {
            lock.unlock();
        }
        try {
            return openPinned(file);
        } catch (IOException | RuntimeException | Error e) {
            release(file);
            throw e;
        }
    }

    private FileChannel openPinned(CachedFile file) throws IOException {
        synchronized (file) {
            List<FileChannel> victims;
            lock.lock();
            try {
                if (file.channel != null) {
                    return file.channel; // opened by another reader meanwhile; our pin kept it out of the idle list
                }
                if (file.discarded) {
                    throw new ClosedChannelException();
                }
                openCount++; // reserve the slot before opening, so concurrent opens see it
                victims = evictOverCapacity();
            } finally {
                lock.unlock();
            }
            closeAll(victims);
            FileChannel channel;
            try {
                channel = fileSystem.open(file.path, file.options);
            } catch (IOException | RuntimeException e) {
                lock.lock();
                try {
                    openCount--;
                } finally {
                    lock.unlock();
                }
                throw e;
            }
            lock.lock();
            try {
                file.channel = channel;
                opens++;
            } finally {
                lock.unlock();
            }
            return channel;
        }
    }

    /** Unpins; the handle becomes idle (most recently used) when no one else holds it. */
    void release(CachedFile file) {
        List<FileChannel> victims;
        FileChannel closeNow = null;
        lock.lock();
        try {
            assert file.pins > 0 : "release without acquire of " + file.path;
            file.pins--;
            if (file.pins == 0 && file.channel != null) {
                if (file.discarded) {
                    closeNow = file.channel;
                    file.channel = null;
                    openCount--;
                } else {
                    linkIdle(file);
                }
            }
            victims = evictOverCapacity();
        } finally {
            lock.unlock();
        }
        if (closeNow != null) {
            victims.add(closeNow);
        }
        closeAll(victims);
    }

    /**
     * Drops a channel found closed under its users (a thread interrupted during I/O closes a
     * {@link FileChannel} for everyone), so the next {@link #acquire} opens the file again.
     */
    void invalidate(CachedFile file, FileChannel closed) {
        lock.lock();
        try {
            if (file.channel == closed) {
                unlinkIdle(file);
                file.channel = null;
                openCount--;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the file for good: at once if idle, else when its last user releases it. Later
     * {@link #acquire} calls throw {@link ClosedChannelException}.
     */
    void discard(CachedFile file) {
        FileChannel closeNow = null;
        lock.lock();
        try {
            file.discarded = true;
            if (file.pins == 0 && file.channel != null) {
                unlinkIdle(file);
                closeNow = file.channel;
                file.channel = null;
                openCount--;
            }
        } finally {
            lock.unlock();
        }
        if (closeNow != null) {
            closeAll(List.of(closeNow));
        }
    }

    /** Closes every idle handle (pinned ones close when released, if discarded). For tests and shutdown. */
    public void closeIdle() {
        List<FileChannel> victims = new ArrayList<>();
        lock.lock();
        try {
            while (leastRecent != null) {
                CachedFile victim = leastRecent;
                unlinkIdle(victim);
                victims.add(victim.channel);
                victim.channel = null;
                openCount--;
            }
        } finally {
            lock.unlock();
        }
        closeAll(victims);
    }

    private List<FileChannel> evictOverCapacity() {
        List<FileChannel> victims = new ArrayList<>(1);
        while (openCount > capacity && leastRecent != null) {
            CachedFile victim = leastRecent;
            unlinkIdle(victim);
            victims.add(victim.channel);
            victim.channel = null;
            openCount--;
            evictions++;
        }
        return victims;
    }

    private void linkIdle(CachedFile file) {
        assert !file.idle;
        file.idle = true;
        file.newer = null;
        file.older = mostRecent;
        if (mostRecent != null) {
            mostRecent.newer = file;
        } else {
            leastRecent = file;
        }
        mostRecent = file;
    }

    private void unlinkIdle(CachedFile file) {
        if (!file.idle) {
            return;
        }
        file.idle = false;
        if (file.older != null) {
            file.older.newer = file.newer;
        } else {
            leastRecent = file.newer;
        }
        if (file.newer != null) {
            file.newer.older = file.older;
        } else {
            mostRecent = file.older;
        }
        file.older = null;
        file.newer = null;
    }

    private static void closeAll(List<FileChannel> channels) {
        for (FileChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.warn("Closing an idle file failed: {}", e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "FileHandleCache{capacity=" + capacity + ", open=" + openCount() + '}';
    }

    /**
     * One file the cache opens on demand. Its fields are guarded by the cache's lock; the object's
     * monitor serialises opening it.
     */
    static final class CachedFile {
        final Path path;
        final OpenOption[] options;
        FileChannel channel;
        int pins;
        boolean discarded;
        boolean idle;
        CachedFile older;
        CachedFile newer;

        CachedFile(Path path, OpenOption[] options) {
            this.path = path;
            this.options = options.clone();
        }

        @Override
        public String toString() {
            return "CachedFile{" + path + ", pins=" + pins + '}';
        }
    }
}
