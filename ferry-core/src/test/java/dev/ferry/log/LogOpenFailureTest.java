package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An open that fails part way: a new log's directory must be durable in its parent before
 * anything goes into it, and an open that failed (with a checked or an unchecked exception, as
 * {@code Files.list} throws one while iterating) gives the directory back and leaves a note that
 * the next open must fsync the directory before it hands the log out.
 */
class LogOpenFailureTest {
    private static final Path PARENT = Path.of("/simulated/logs");
    private static final Path LOG_DIRECTORY = PARENT.resolve("orders");

    private final SimulatedFileSystem disk = new SimulatedFileSystem();
    private final ListingFailures fileSystem = new ListingFailures(disk);
    private final FileHandleCache cache = new FileHandleCache(8, fileSystem);

    private Log open() {
        return Log.open(LOG_DIRECTORY, smallConfig(FsyncPolicy.NEVER), null, cache);
    }

    @Test
    void shouldCreateNothingInANewLogDirectoryWhoseEntryInItsParentCannotBeMadeDurable() {
        disk.failDirectorySyncs(1);

        assertThatThrownBy(this::open).isInstanceOf(LogStorageException.class).hasMessageContaining("cannot open");

        assertThat(disk.fileNames(LOG_DIRECTORY)).as("files created before the directory was durable").isEmpty();
        try (Log log = open()) {
            assertThat(log.logEndOffset()).isZero();
        }
    }

    @Test
    void shouldFsyncTheDirectoryAtTheNextOpenAfterAnOpenFailedWithAnIoException() {
        createLogWithRecords();
        fileSystem.failNextListing(new IOException("Input/output error (simulated, listing)"));
        assertThatThrownBy(this::open).isInstanceOf(LogStorageException.class).hasMessageContaining("listing");

        assertNextOpenFsyncsTheDirectoryFirst();
    }

    @Test
    void shouldReleaseTheDirectoryAndFsyncItAtTheNextOpenAfterAnOpenFailedWithAnUncheckedException() {
        createLogWithRecords();
        fileSystem.failNextListing(new UncheckedIOException(new IOException("Input/output error (simulated, iterating)")));
        assertThatThrownBy(this::open).isInstanceOf(UncheckedIOException.class);

        assertNextOpenFsyncsTheDirectoryFirst();
    }

    private void createLogWithRecords() {
        try (Log log = open()) {
            appendRecords(log, 3, 10);
        }
    }

    private void assertNextOpenFsyncsTheDirectoryFirst() {
        disk.failDirectorySyncs(1);
        assertThatThrownBy(this::open).as("the open that must fsync the directory first, and cannot")
                .isInstanceOf(LogStorageException.class).hasMessageContaining("cannot open")
                .hasMessageNotContaining("in use");
        try (Log log = open()) {
            assertThat(log.logEndOffset()).isEqualTo(3);
        }
        disk.failDirectorySyncs(1);
        try (Log log = open()) {
            assertThat(log.logEndOffset()).as("synced once, the directory needs no fsync at the next open").isEqualTo(3);
        }
        disk.failDirectorySyncs(0);
    }

    /** The simulated disk, with a directory listing that fails once when asked to. */
    private static final class ListingFailures implements LogFileSystem {
        private final SimulatedFileSystem disk;
        private Exception nextListingFailure;

        ListingFailures(SimulatedFileSystem disk) {
            this.disk = disk;
        }

        void failNextListing(Exception failure) {
            nextListingFailure = failure;
        }

        @Override
        public List<Path> list(Path directory) throws IOException {
            Exception failure = nextListingFailure;
            nextListingFailure = null;
            if (failure instanceof IOException io) {
                throw io;
            }
            if (failure instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            return disk.list(directory);
        }

        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            return disk.open(file, options);
        }

        @Override
        public void createDirectories(Path directory) throws IOException {
            disk.createDirectories(directory);
        }

        @Override
        public boolean exists(Path path) {
            return disk.exists(path);
        }

        @Override
        public long size(Path file) throws IOException {
            return disk.size(file);
        }

        @Override
        public boolean deleteIfExists(Path file) throws IOException {
            return disk.deleteIfExists(file);
        }

        @Override
        public void moveAtomically(Path source, Path target) throws IOException {
            disk.moveAtomically(source, target);
        }

        @Override
        public void fsyncDirectory(Path directory) throws IOException {
            disk.fsyncDirectory(directory);
        }
    }
}
