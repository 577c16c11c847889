package dev.ferry.server;

import dev.ferry.server.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS lock on {@code <data-dir>/ferry.lock}. Two brokers appending to the same logs
 * would corrupt them, so the second one to start is refused with a message saying why. The OS
 * drops the lock when the process dies, even by {@code kill -9}, so a crash never leaves a stale
 * lock behind.
 */
final class DataDirectoryLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DataDirectoryLock acquire(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new ConfigException("data directory " + dataDir + " cannot be created: " + e.getMessage());
        }
        if (!Files.isWritable(dataDir)) {
            throw new ConfigException("data directory " + dataDir + " is not writable");
        }
        Path lockFile = dataDir.resolve("ferry.lock");
        try {
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                throw new ConfigException("data directory " + dataDir + " is in use by another Ferry process");
            }
            return new DataDirectoryLock(channel, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + lockFile, e);
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
