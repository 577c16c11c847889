package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.LogFileSystem;

/** Queue and vhost names as directory names, and read back from them. */
class StorageFilesTest {
    @TempDir
    Path dataDir;

    @Test
    void lettersDigitsDashAndUnderscoreStayEverythingElseIsPercentEncoded() {
        assertThat(StorageFiles.encodeName("azAZ09-_")).isEqualTo("azAZ09-_");
        assertThat(StorageFiles.encodeName("/")).isEqualTo("%2F");
        assertThat(StorageFiles.encodeName("a.b c`{@[")).isEqualTo("a%2Eb%20c%60%7B%40%5B");
        assertThat(StorageFiles.encodeName("é")).isEqualTo("%C3%A9");
        assertThat(StorageFiles.encodeName("")).isEqualTo("%");
        assertThat(StorageFiles.queueDirectory(dataDir, "/", "q.1"))
                .isEqualTo(dataDir.resolve("queues").resolve("%2F").resolve("q%2E1"));
    }

    @Test
    void encodedNamesReadBack() {
        for (String name : new String[] {"", "q", "/", "orders.eu-1 (é)", "%", "~", "x".repeat(120)}) {
            assertThat(StorageFiles.decodeName(StorageFiles.encodeName(name))).as(name).contains(name);
        }
    }

    @Test
    void aLongNameIsShortenedToAPrefixAndItsHashAndCannotBeReadBack() {
        String name = "x".repeat(121);
        String encoded = StorageFiles.encodeName(name);
        assertThat(encoded).startsWith("x".repeat(80) + "~").hasSize(80 + 1 + 64);
        assertThat(StorageFiles.encodeName("x".repeat(120) + "y")).isNotEqualTo(encoded);
        assertThat(StorageFiles.decodeName(encoded)).isEmpty();
        assertThat(StorageFiles.encodeName("x".repeat(120))).hasSize(120);
        assertThat(StorageFiles.encodeName("é".repeat(20))).as("120 characters encoded").hasSize(120)
                .doesNotContain("~");
    }

    @Test
    void malformedEscapesDoNotReadBack() {
        assertThat(StorageFiles.decodeName("a%2")).isEmpty();
        assertThat(StorageFiles.decodeName("a%")).isEmpty();
        assertThat(StorageFiles.decodeName("a%ZZ")).isEmpty();
        assertThat(StorageFiles.decodeName("a%41")).isEqualTo(Optional.of("aA"));
    }

    @Test
    void deletesADirectoryTreeAndToleratesOneThatIsGone() throws IOException {
        Path tree = dataDir.resolve("t");
        Files.createDirectories(tree.resolve("a/b"));
        Files.writeString(tree.resolve("a/b/f"), "x");
        Files.writeString(tree.resolve("g"), "y");
        StorageFiles.deleteRecursively(tree);
        assertThat(tree).doesNotExist();
        StorageFiles.deleteRecursively(tree);
        assertThat(dataDir).exists();

        Files.createDirectories(tree.resolve("a/b"));
        Files.writeString(tree.resolve("a/b/f"), "x");
        Files.writeString(tree.resolve("g"), "y");
        StorageFiles.deleteRecursively(LogFileSystem.real(), tree);
        assertThat(tree).doesNotExist();
        StorageFiles.deleteRecursively(LogFileSystem.real(), tree);
        assertThat(dataDir).exists();
    }
}
