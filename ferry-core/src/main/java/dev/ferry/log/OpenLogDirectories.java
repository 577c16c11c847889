package dev.ferry.log;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The log directories open in this process, so one directory is never opened by two {@link Log}s
 * at once; and those whose names may not be durable, so the next open fsyncs them before use. In-process only: across processes the broker locks its whole data directory
 * ({@code DataDirectoryLock} in ferry-server), so a closed or idle log holds no descriptor at all,
 * not even a lock file's.
 *
 * <p>Keyed by file system and absolute path: two simulated file systems in one test process are
 * two machines.
 *
 * <p>Thread safety: safe for concurrent use.
 */
final class OpenLogDirectories {
    private static final ConcurrentHashMap<Key, Object> OPEN = new ConcurrentHashMap<>();
    private static final java.util.Set<Key> UNSYNCED = ConcurrentHashMap.newKeySet();

    private record Key(LogFileSystem fileSystem, Path directory) {
    }

    private OpenLogDirectories() {
    }

    private static Key key(LogFileSystem fileSystem, Path directory) {
        return new Key(fileSystem, directory.toAbsolutePath().normalize());
    }

    /** Claims {@code directory} for {@code owner}; false if another open log holds it. */
    static boolean claim(LogFileSystem fileSystem, Path directory, Object owner) {
        return OPEN.putIfAbsent(key(fileSystem, directory), owner) == null;
    }

    /** Gives the directory back; only its holder can. */
    static void release(LogFileSystem fileSystem, Path directory, Object owner) {
        OPEN.remove(key(fileSystem, directory), owner);
    }

    /**
     * Notes that a change to the directory's names (a repair's rename, a new or removed segment)
     * may not be durable: an open failed part way, or a directory fsync failed. A crash could
     * still undo that change, so the next open must fsync the directory before anything is
     * appended on top of it.
     */
    static void markUnsynced(LogFileSystem fileSystem, Path directory) {
        UNSYNCED.add(key(fileSystem, directory));
    }

    static boolean isUnsynced(LogFileSystem fileSystem, Path directory) {
        return UNSYNCED.contains(key(fileSystem, directory));
    }

    static void markSynced(LogFileSystem fileSystem, Path directory) {
        UNSYNCED.remove(key(fileSystem, directory));
    }
}
