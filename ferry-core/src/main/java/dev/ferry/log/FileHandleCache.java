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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded set of open segment file descriptors shared by every log of a broker, so the number
 * of logs is not limited by the process's descriptor limit: a file is opened when it is needed
 * and closed when another file needs the slot and it has not been used lately.
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
 * <p>Design note: pinning a file that is open already is the path every append and read takes,
 * on queue threads and event loops alike, so it takes no lock: a compare-and-set on the file's own
 * pin count, and a "used lately" flag. Which file to close is decided as the CLOCK algorithm does
 * (an approximation of least recently used): the open files form a ring under the cache's lock;
 * eviction walks it from its oldest end, gives each recently used file a second chance (clears its
 * flag and moves it to the young end) and closes the first idle one it meets, claiming it by
 * setting its pin count from 0 to -1 so that no pin can slip in while it closes. Opening a file
 * (after eviction, or for the first time) takes the lock and the file's own monitor; that is the
 * rare path.
 *
 * <p>Design note: closing a file with data written but not yet fsynced and fsyncing it later
 * through a new descriptor is safe on Linux: fsync flushes the file's dirty pages whichever
 * descriptor wrote them, and since Linux 4.16 a writeback error not yet reported is reported to
 * the next fsync of any descriptor opened afterwards. So dirty files are not pinned, and a log
 * that is idle holds no descriptor at all.
 *
 * <p>Thread safety: safe for concurrent use. The lock is never held during I/O.
 */
public final class FileHandleCache {
    private static final Logger LOG = LoggerFactory.getLogger(FileHandleCache.class);
    /** The smallest capacity accepted; a cache this small still works, it just reopens files more often. */
    public static final int CAPACITY_MIN = 4;
    private static final int DEFAULT_CAPACITY_MIN = 16;
    private static final int DEFAULT_CAPACITY_MAX = 16_384;
    /** A file's pin count while eviction or discarding closes it: no pin can be taken then. */
    private static final int CLOSING = -1;
    private static volatile FileHandleCache processDefault;

    private final int capacity;
    private final LogFileSystem fileSystem;
    private final ReentrantLock lock = new ReentrantLock();
    // Every file with an open channel, from the oldest end of the clock's ring to the youngest;
    // guarded by lock.
    private CachedFile oldest;
    private CachedFile youngest;
    private int ringSize;
    // Channels open now (pinned or not), counting slots reserved by opens in progress.
    private final AtomicInteger openCount = new AtomicInteger();
    private final AtomicLong opens = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();

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
        return openCount.get();
    }

    /** Files opened since the cache was created (first opens and reopens after eviction). */
    public long opens() {
        return opens.get();
    }

    /** Idle handles closed to make room for others. */
    public long evictions() {
        return evictions.get();
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
        while (true) {
            FileChannel channel = file.channel;
            int pins = file.pins.get();
            if (channel == null || pins == CLOSING) {
                return acquireSlowly(file);
            }
            if (!file.pins.compareAndSet(pins, pins + 1)) {
                continue; // another pin or an eviction moved first: look again
            }
            // Pinned: no eviction can close it now. Still ours, still open, still wanted?
            if (file.discarded) {
                release(file);
                throw new ClosedChannelException();
            }
            if (file.channel == channel && channel.isOpen()) {
                file.usedLately = true;
                return channel;
            }
            release(file);
            return acquireSlowly(file);
        }
    }

    /** Opens the file (or finds it opened by another thread meanwhile) and pins it. */
    private FileChannel acquireSlowly(CachedFile file) throws IOException {
        synchronized (file) {
            List<FileChannel> victims;
            lock.lock();
            try {
                if (file.discarded) {
                    throw new ClosedChannelException();
                }
                FileChannel channel = file.channel;
                if (channel != null && !channel.isOpen()) {
                    // Closed under its users by a thread interrupted during I/O on it: open it afresh.
                    dropLocked(file);
                    channel = null;
                }
                if (channel != null) {
                    // Opened by another thread meanwhile; under the lock no eviction is half done.
                    file.pins.incrementAndGet();
                    file.usedLately = true;
                    return channel;
                }
                file.pins.incrementAndGet(); // pinned before it is in the ring, so eviction passes it by
                openCount.incrementAndGet(); // the slot is reserved before opening, so concurrent opens see it
                victims = evictOverCapacityLocked();
            } finally {
                lock.unlock();
            }
            closeAll(victims);
            FileChannel channel;
            try {
                channel = fileSystem.open(file.path, file.options);
            } catch (IOException | RuntimeException e) {
                openCount.decrementAndGet();
                release(file);
                throw e;
            }
            lock.lock();
            try {
                file.channel = channel;
                file.usedLately = true;
                linkYoungestLocked(file);
            } finally {
                lock.unlock();
            }
            opens.incrementAndGet();
            return channel;
        }
    }

    /** Unpins; the last release of a discarded file closes it, and one over capacity makes room. */
    void release(CachedFile file) {
        int pins = file.pins.decrementAndGet();
        assert pins >= 0 : "release without acquire of " + file.path;
        if (pins > 0 || !(file.discarded || openCount.get() > capacity)) {
            return;
        }
        List<FileChannel> victims = new ArrayList<>(1);
        lock.lock();
        try {
            if (file.discarded) {
                closeIfIdleLocked(file, victims);
            }
            victims.addAll(evictOverCapacityLocked());
        } finally {
            lock.unlock();
        }
        closeAll(victims);
    }

    /**
     * Closes the file's channel now if no one has it pinned, rather than leave it idle for
     * eviction: for descriptors that are only worth keeping while a burst of work uses them (an
     * fsync's own descriptor, {@link SegmentFile#startSync}). The file can be acquired again later.
     */
    void closeIfIdle(CachedFile file) {
        List<FileChannel> victims = new ArrayList<>(1);
        lock.lock();
        try {
            closeIfIdleLocked(file, victims);
        } finally {
            lock.unlock();
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
                dropLocked(file);
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
        file.discarded = true;
        closeIfIdle(file);
    }

    /** Closes every idle handle (pinned ones close when released, if discarded). For tests and shutdown. */
    public void closeIdle() {
        List<FileChannel> victims = new ArrayList<>();
        lock.lock();
        try {
            CachedFile file = oldest;
            while (file != null) {
                CachedFile next = file.younger;
                closeIfIdleLocked(file, victims);
                file = next;
            }
        } finally {
            lock.unlock();
        }
        closeAll(victims);
    }

    /** Walks the ring as a clock hand while more files are open than the capacity; returns what to close. */
    private List<FileChannel> evictOverCapacityLocked() {
        List<FileChannel> victims = new ArrayList<>(1);
        // Two turns at most: the first clears every "used lately" flag, the second finds the idle files.
        int steps = 2 * ringSize;
        CachedFile hand = oldest;
        while (openCount.get() > capacity && hand != null && steps-- > 0) {
            CachedFile next = hand.younger;
            if (hand.usedLately) {
                hand.usedLately = false; // a second chance
                unlinkLocked(hand);
                linkYoungestLocked(hand);
            } else if (closeIfIdleLocked(hand, victims)) {
                evictions.incrementAndGet();
            }
            hand = next != null ? next : oldest;
        }
        return victims;
    }

    /** Closes the file's channel if no one holds a pin on it; returns whether it did. */
    private boolean closeIfIdleLocked(CachedFile file, List<FileChannel> victims) {
        FileChannel channel = file.channel;
        if (channel == null || !file.pins.compareAndSet(0, CLOSING)) {
            return false;
        }
        unlinkLocked(file);
        file.channel = null;
        openCount.decrementAndGet();
        file.pins.set(0); // after the channel is gone: a pin taken from here on sees no channel
        victims.add(channel);
        return true;
    }

    /** Forgets a channel that is closed already (users that pinned it fail and retry). */
    private void dropLocked(CachedFile file) {
        unlinkLocked(file);
        file.channel = null;
        openCount.decrementAndGet();
    }

    private void linkYoungestLocked(CachedFile file) {
        assert !file.inRing;
        file.inRing = true;
        file.younger = null;
        file.older = youngest;
        if (youngest != null) {
            youngest.younger = file;
        } else {
            oldest = file;
        }
        youngest = file;
        ringSize++;
    }

    private void unlinkLocked(CachedFile file) {
        if (!file.inRing) {
            return;
        }
        file.inRing = false;
        if (file.older != null) {
            file.older.younger = file.younger;
        } else {
            oldest = file.younger;
        }
        if (file.younger != null) {
            file.younger.older = file.older;
        } else {
            youngest = file.older;
        }
        file.older = null;
        file.younger = null;
        ringSize--;
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
     * One file the cache opens on demand. Its channel, pins and flags are read without the lock
     * (the fast path); they change under the lock, except pins (compare-and-set) and the "used
     * lately" flag. The ring links are guarded by the cache's lock; the object's monitor
     * serialises opening it.
     */
    static final class CachedFile {
        final Path path;
        final OpenOption[] options;
        volatile FileChannel channel;
        final AtomicInteger pins = new AtomicInteger();
        volatile boolean discarded;
        volatile boolean usedLately;
        boolean inRing;
        CachedFile older;
        CachedFile younger;

        CachedFile(Path path, OpenOption[] options) {
            this.path = path;
            this.options = options.clone();
        }

        @Override
        public String toString() {
            return "CachedFile{" + path + ", pins=" + pins.get() + '}';
        }
    }
}
