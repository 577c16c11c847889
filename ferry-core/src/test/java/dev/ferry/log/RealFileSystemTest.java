package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RealFileSystem} reports what it did as the operating system's files do. */
class RealFileSystemTest {
    @TempDir
    Path directory;

    @Test
    void shouldSayWhetherDeleteIfExistsFoundAFileToDelete() throws IOException {
        Path file = Files.createFile(directory.resolve("present"));

        assertThat(RealFileSystem.INSTANCE.deleteIfExists(file)).isTrue();
        assertThat(RealFileSystem.INSTANCE.deleteIfExists(file)).isFalse();
        assertThat(RealFileSystem.INSTANCE.deleteIfExists(directory.resolve("never-there"))).isFalse();
    }

    @Test
    void shouldNameItselfInMessages() {
        assertThat(RealFileSystem.INSTANCE.toString()).contains("RealFileSystem");
    }
}
