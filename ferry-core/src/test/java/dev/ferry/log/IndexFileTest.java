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
                OffsetIndex.VERSION, OffsetIndex.ENTRY_BYTES, 0, Integer.MAX_VALUE))
                .isInstanceOf(IndexFile.DamagedException.class)
                .hasMessageContaining("longer than an index of a segment of 2147483647 bytes can be");
    }

    @Test
    void shouldNotReadAnIndexLongerThanItsSegmentCouldNeed() throws IOException {
        // 64 MiB of zeros behind an intact index: the segment of 1 MiB has room for 17,190 batches at
        // most, so the file is refused from its length alone, before an array of its size is made.
        Path file = indexWithEntries();
        try (RandomAccessFile grown = new RandomAccessFile(file.toFile(), "rw")) {
            grown.setLength(64L << 20);
        }
        TweakableFileSystem fileSystem = new TweakableFileSystem();

        assertThatThrownBy(() -> IndexFile.readChecked(fileSystem, file, OffsetIndex.MAGIC, OffsetIndex.VERSION,
                OffsetIndex.ENTRY_BYTES, 100, 1 << 20))
                .isInstanceOf(IndexFile.DamagedException.class)
                .hasMessage((64 << 20) + " bytes, longer than an index of a segment of 1048576 bytes can be ("
                        + (IndexFile.HEADER_BYTES + 17_190 * OffsetIndex.ENTRY_BYTES) + ")");
        assertThat(fileSystem.positionalReads.get()).isZero();
    }

    @Test
    void shouldReadAnIndexWithAnEntryForEveryBatchTheSegmentCanHold() throws Exception {
        // Eleven batches of the smallest kind (a header, no records) start inside a segment of 611
        // bytes, the last in its final byte: an index of eleven entries is read. A segment two bytes
        // shorter holds ten at most, and the same file is refused by its length.
        Path file = directory.resolve("00000000000000000100.index");
        OffsetIndex index = new OffsetIndex(100);
        for (int i = 0; i <= 10; i++) {
            index.append(100 + i, i * BatchFormat.HEADER_BYTES);
        }
        index.writeTo(LogFileSystem.real(), file);

        assertThat(OffsetIndex.load(LogFileSystem.real(), file, 100, 10 * BatchFormat.HEADER_BYTES + 1, 200)
                .entryCount()).isEqualTo(11);
        assertThatThrownBy(() -> IndexFile.readChecked(LogFileSystem.real(), file, OffsetIndex.MAGIC,
                OffsetIndex.VERSION, OffsetIndex.ENTRY_BYTES, 100, 10 * BatchFormat.HEADER_BYTES - 1))
                .hasMessageContaining("longer than an index of a segment of 609 bytes");
    }

    @Test
    void shouldKeepReadingWhenAReadReturnsNoBytes() throws Exception {
        Path file = indexWithEntries();
        TweakableFileSystem fileSystem = new TweakableFileSystem();
        fileSystem.emptyReads.set(2);

        ByteBuffer entries = IndexFile.readChecked(fileSystem, file, OffsetIndex.MAGIC, OffsetIndex.VERSION,
                OffsetIndex.ENTRY_BYTES, 100, 1 << 20);

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
                        OffsetIndex.VERSION, OffsetIndex.ENTRY_BYTES, 100, 1 << 20))
                        .isInstanceOf(IndexFile.DamagedException.class)
                        .hasMessageContaining("unreadable"));
    }
}
