package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offset index lookups and its file format's damage checks. */
class OffsetIndexTest {
    @TempDir
    Path directory;

    private static OffsetIndex sample() {
        OffsetIndex index = new OffsetIndex(1000);
        index.append(1010, 400);
        index.append(1025, 900);
        index.append(1040, 1500);
        return index;
    }

    @Test
    void shouldFindTheLastEntryAtOrBelowTheOffset() {
        OffsetIndex index = sample();

        assertThat(index.floorPosition(999)).isZero();
        assertThat(index.floorPosition(1000)).isZero();
        assertThat(index.floorPosition(1009)).isZero();
        assertThat(index.floorPosition(1010)).isEqualTo(400);
        assertThat(index.floorPosition(1024)).isEqualTo(400);
        assertThat(index.floorPosition(1025)).isEqualTo(900);
        assertThat(index.floorPosition(5000)).isEqualTo(1500);
    }

    @Test
    void shouldReadBackWhatItWrote() throws Exception {
        Path file = directory.resolve("00000000000000001000.index");
        sample().writeTo(LogFileSystem.real(), file);

        OffsetIndex loaded = OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050);

        assertThat(Files.size(file)).isEqualTo(IndexFile.HEADER_BYTES + 3 * OffsetIndex.ENTRY_BYTES);
        assertThat(loaded.entryCount()).isEqualTo(3);
        assertThat(loaded.floorPosition(1030)).isEqualTo(900);
        assertThat(directory.resolve("00000000000000001000.index.tmp")).doesNotExist();
    }

    @Test
    void shouldRejectDamagedFiles() throws Exception {
        Path file = directory.resolve("00000000000000001000.index");
        sample().writeTo(LogFileSystem.real(), file);

        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 2000, 2000, 2050)).hasMessageContaining("base offset 1000");
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 1000, 1050)).hasMessageContaining("outside the segment");
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1030)).hasMessageContaining("outside the segment");
        flipByte(file, IndexFile.HEADER_BYTES + 5);
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050)).hasMessageContaining("CRC");
        flipByte(file, 0);
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050)).hasMessageContaining("magic");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() - 3);
        }
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050)).isInstanceOf(IndexFile.DamagedException.class);
        Files.delete(file);
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050)).hasMessageContaining("missing");
    }

    @Test
    void shouldAcceptEntriesUpToTheSegmentsLastByteAndOffsetOnly() throws Exception {
        Path file = directory.resolve("00000000000000001000.index");
        sample().writeTo(LogFileSystem.real(), file);

        assertThat(OffsetIndex.load(LogFileSystem.real(), file, 1000, 1501, 1041).entryCount()).isEqualTo(3);
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 1500, 1041))
                .as("a batch cannot start at the segment's end").hasMessageContaining("outside the segment");
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 1501, 1040))
                .as("offset 1040 is past the segment's last offset").hasMessageContaining("outside the segment");
    }

    @Test
    void shouldRejectEntriesOutOfOrder() throws Exception {
        Path file = directory.resolve("00000000000000001000.index");
        writeEntries(file, 10, 400, 10, 900);
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050))
                .as("a repeated offset").hasMessageContaining("out of order");
        writeEntries(file, 10, 400, 20, 400);
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050))
                .as("a repeated position").hasMessageContaining("out of order");
        writeEntries(file, 20, 400, 10, 900);
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050))
                .hasMessageContaining("out of order");
        writeEntries(file, 0, 0, 10, 400);
        OffsetIndex fromTheFirstByte = OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050);
        assertThat(fromTheFirstByte.offsetAt(0)).isEqualTo(1000);
        assertThat(fromTheFirstByte.positionAt(1)).isEqualTo(400);
    }

    @Test
    void shouldNameEachHeaderFieldThatDoesNotMatch() throws Exception {
        Path file = directory.resolve("00000000000000001000.index");
        sample().writeTo(LogFileSystem.real(), file);
        byte[] intact = Files.readAllBytes(file);

        assertThatThrownBy(() -> IndexFile.readChecked(LogFileSystem.real(), file, OffsetIndex.MAGIC, (short) 2,
                OffsetIndex.ENTRY_BYTES, 1000, 2000)).hasMessage("version 1, expected 2");
        assertThatThrownBy(() -> IndexFile.readChecked(LogFileSystem.real(), file, OffsetIndex.MAGIC, OffsetIndex.VERSION,
                12, 1000, 2000)).hasMessage("entry size 8, expected 12");
        java.nio.ByteBuffer entries = IndexFile.readChecked(LogFileSystem.real(), file, OffsetIndex.MAGIC,
                OffsetIndex.VERSION, OffsetIndex.ENTRY_BYTES, 1000, 2000);
        assertThat(entries.position()).isEqualTo(IndexFile.HEADER_BYTES);
        assertThat(entries.remaining()).isEqualTo(3 * OffsetIndex.ENTRY_BYTES);

        Files.write(file, java.util.Arrays.copyOf(intact, IndexFile.HEADER_BYTES - 1));
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050))
                .hasMessage("shorter than its header (23 bytes)");
        Files.write(file, java.util.Arrays.copyOf(intact, IndexFile.HEADER_BYTES));
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050))
                .as("a header alone that claims three entries").hasMessage("3 entries do not match the file length 24");
        byte[] negativeCount = intact.clone();
        java.nio.ByteBuffer.wrap(negativeCount).putInt(16, -1);
        Files.write(file, negativeCount);
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050))
                .hasMessageContaining("-1 entries do not match");
        byte[] oneMore = java.util.Arrays.copyOf(intact, intact.length + OffsetIndex.ENTRY_BYTES);
        Files.write(file, oneMore);
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050))
                .hasMessage("3 entries do not match the file length " + oneMore.length);
    }

    @Test
    void shouldLoadAnEmptyIndexAndRefuseAnEntryBelowTheSegmentsBase() throws Exception {
        Path file = directory.resolve("00000000000000001000.index");
        writeEntries(file);
        OffsetIndex empty = OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050);
        assertThat(empty.entryCount()).isZero();
        assertThat(empty.floorPosition(1040)).isZero();

        writeEntries(file, -5, 100);
        assertThatThrownBy(() -> OffsetIndex.load(LogFileSystem.real(), file, 1000, 2000, 1050))
                .hasMessage("entry (995, 100) outside the segment");
    }

    @Test
    void shouldKeepEveryEntryAcrossGrowthAndWriteThemAll() throws Exception {
        OffsetIndex index = new OffsetIndex(500);
        for (int i = 1; i <= 40; i++) {
            index.append(500 + i * 3, i * 100);
        }
        Path file = directory.resolve("00000000000000000500.index");
        index.writeTo(LogFileSystem.real(), file);
        OffsetIndex loaded = OffsetIndex.load(LogFileSystem.real(), file, 500, 5000, 1000);

        assertThat(loaded.entryCount()).isEqualTo(40);
        for (int i = 1; i <= 40; i++) {
            assertThat(loaded.offsetAt(i - 1)).isEqualTo(500 + i * 3);
            assertThat(loaded.positionAt(i - 1)).isEqualTo(i * 100);
            assertThat(index.floorPosition(500 + i * 3 + 2)).isEqualTo(i * 100);
        }
    }

    private static void writeEntries(Path file, int... relativeOffsetsAndPositions) throws IOException {
        java.nio.ByteBuffer buffer = IndexFile.allocate(OffsetIndex.MAGIC, OffsetIndex.VERSION, OffsetIndex.ENTRY_BYTES, 1000,
                relativeOffsetsAndPositions.length / 2);
        for (int value : relativeOffsetsAndPositions) {
            buffer.putInt(value);
        }
        IndexFile.writeAtomically(LogFileSystem.real(), file, buffer);
    }

    /** Against a brute-force search: the index never points past the batch holding the offset. */
    @Property(tries = 200, seed = "7301")
    void shouldNeverPointPastTheTarget(@ForAll @Size(max = 60) java.util.List<@IntRange(min = 1, max = 50) Integer> gaps,
            @ForAll @IntRange(min = 0, max = 3000) int target) {
        OffsetIndex index = new OffsetIndex(0);
        long offset = 0;
        int position = 0;
        java.util.List<long[]> entries = new java.util.ArrayList<>();
        for (int gap : gaps) {
            offset += gap;
            position += gap * 10;
            index.append(offset, position);
            entries.add(new long[] {offset, position});
        }
        long expected = 0;
        for (long[] entry : entries) {
            if (entry[0] <= target) {
                expected = entry[1];
            }
        }
        assertThat(index.floorPosition(target)).isEqualTo((int) expected);
    }

    static void flipByte(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int value = raf.read();
            raf.seek(position);
            raf.write(value ^ 0x5A);
        }
    }
}
