package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link IndexFile} reads a file whole however its channel delivers the bytes, and refuses files it cannot. */
class IndexFileTest {
    @TempDir
    Path directory;

    private Path indexWithEntries() throws IOException {
        Path file = directory.resolve("00000000000000000100.index");
        OffsetIndex index = new OffsetIndex(100);
        index.append(110, 400);
        index.append(130, 900);
        index.writeTo(LogFileSystem.real(), file);
        return file;
    }

    @Test
    void shouldCallAnIndexFileOfTwoGibibytesDamagedWithoutReadingIt() throws IOException {
        Path file = directory.resolve("00000000000000000000.index");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(1L << 31);
        }

        assertThatThrownBy(() -> IndexFile.readChecked(LogFileSystem.real(), file, OffsetIndex.MAGIC,
                OffsetIndex.VERSION, OffsetIndex.ENTRY_BYTES, 0))
                .isInstanceOf(IndexFile.DamagedException.class)
                .hasMessageContaining("unreadable");
    }

    @Test
    void shouldKeepReadingWhenAReadReturnsNoBytes() throws Exception {
        Path file = indexWithEntries();
        TweakableFileSystem fileSystem = new TweakableFileSystem();
        fileSystem.emptyReads.set(2);

        ByteBuffer entries = IndexFile.readChecked(fileSystem, file, OffsetIndex.MAGIC, OffsetIndex.VERSION,
                OffsetIndex.ENTRY_BYTES, 100);

        assertThat(entries.remaining()).isEqualTo(2 * OffsetIndex.ENTRY_BYTES);
        assertThat(entries.getInt()).isEqualTo(10);
    }

    @Test
    void shouldCallAFileThatEndsBeforeItsReportedSizeUnreadable() throws Exception {
        Path file = indexWithEntries();
        TweakableFileSystem fileSystem = new TweakableFileSystem();
        fileSystem.extraChannelBytes = 8;

        assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                assertThatThrownBy(() -> IndexFile.readChecked(fileSystem, file, OffsetIndex.MAGIC,
                        OffsetIndex.VERSION, OffsetIndex.ENTRY_BYTES, 100))
                        .isInstanceOf(IndexFile.DamagedException.class)
                        .hasMessageContaining("unreadable"));
    }
}
