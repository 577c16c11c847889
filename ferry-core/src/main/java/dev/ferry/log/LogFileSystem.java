package dev.ferry.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The file operations the log needs, and nothing else: every segment, index and {@code .corrupt}
 * file of a log is opened, listed, renamed and deleted through this interface.
 *
 * <p>Production uses {@link #real()}, the operating system's file system. The seam exists so a
 * test can put a file system underneath that tears unsynced writes at a simulated crash, flips
 * bits, fails fsync or runs out of space, deterministically from a seed
 * ({@code LogFaultSimulationTest}); such a file system only has to honour the contract below.
 *
 * <p>Contract, as POSIX file systems give it: data written through a channel is visible to every
 * channel of the same file at once, and durable only after {@link FileChannel#force}; a name
 * created, renamed or deleted in a directory is durable only after {@link #fsyncDirectory} of
 * that directory; {@link #moveAtomically} replaces its target in one step (a crash leaves either
 * name, never neither).
 *
 * <p>Thread safety: implementations must be safe for concurrent use.
 */
public interface LogFileSystem {
    /** The operating system's file system. */
    static LogFileSystem real() {
        return RealFileSystem.INSTANCE;
    }

    /** Opens a file with the given {@link java.nio.file.StandardOpenOption}s. */
    FileChannel open(Path file, OpenOption... options) throws IOException;

    /** Creates the directory and any missing parents; no-op if it exists. */
    void createDirectories(Path directory) throws IOException;

    boolean exists(Path path);

    /** The size of a file in bytes. */
    long size(Path file) throws IOException;

    /** The entries of a directory, in no particular order. */
    List<Path> list(Path directory) throws IOException;

    /** Deletes a file if it exists; true if it did. */
    boolean deleteIfExists(Path file) throws IOException;

    /** Renames {@code source} to {@code target} in one atomic step, replacing {@code target} if it exists. */
    void moveAtomically(Path source, Path target) throws IOException;

    /** Makes the names created, renamed or deleted in {@code directory} survive a crash. */
    void fsyncDirectory(Path directory) throws IOException;
}
