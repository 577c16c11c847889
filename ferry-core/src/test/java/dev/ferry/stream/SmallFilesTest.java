package dev.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small key/value files beside the stream logs: how they are read, replaced and removed. */
class SmallFilesTest {
    @TempDir
    Path directory;

    @Test
    void shouldSplitEachLineAtItsFirstColonOrEqualsSign() throws IOException {
        Path file = directory.resolve("meta.properties");
        SmallFiles.writeDurably(file, """
                # written by a test

                version: 0
                url: http://host/a=b
                cluster.id=abc:def
                  padded   =   value with spaces  \s
                """);

        assertThat(SmallFiles.readPairs(file)).containsExactly(
                entry("version", "0"),
                entry("url", "http://host/a=b"),
                entry("cluster.id", "abc:def"),
                entry("padded", "value with spaces"));
    }

    @Test
    void shouldRefuseALineThatIsNotAPair() throws IOException {
        Path file = directory.resolve("broken");
        SmallFiles.writeDurably(file, "version: 0\njust words\n");

        assertThatThrownBy(() -> SmallFiles.readPairs(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("just words");
    }

    @Test
    void shouldReplaceAFileWholeAndLeaveNoTemporaryBehind() throws IOException {
        Path file = directory.resolve("log-start-offset");
        SmallFiles.writeDurably(file, "log_start_offset: 5\nold_key: x\n");
        SmallFiles.writeDurably(file, "log_start_offset: 9\n");

        assertThat(SmallFiles.readPairs(file)).containsOnlyKeys("log_start_offset").containsEntry("log_start_offset", "9");
        try (var names = Files.list(directory)) {
            assertThat(names.map(path -> path.getFileName().toString())).containsExactly("log-start-offset");
        }
    }
}
