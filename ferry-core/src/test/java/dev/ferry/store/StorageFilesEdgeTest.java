package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import dev.ferry.log.LogFileSystem;

/** The edges of {@link StorageFiles}: a shortened name's mark in first place, deleting what is not there. */
class StorageFilesEdgeTest {
    @TempDir
    Path directory;

    @Test
    void shouldNotDecodeANameThatStartsWithTheShortenedMark() {
        assertThat(StorageFiles.decodeName("~a1b2")).isEmpty();
    }

    @Test
    void shouldDeleteAMissingDirectoryQuietly() {
        Path missing = directory.resolve("never-made");
        try (LogCapture warnings = new LogCapture(StorageFiles.class)) {
            StorageFiles.deleteRecursively(missing);
            StorageFiles.deleteRecursively(LogFileSystem.real(), missing);

            assertThat(warnings.lines(Level.WARN)).isEmpty();
        }
    }
}
