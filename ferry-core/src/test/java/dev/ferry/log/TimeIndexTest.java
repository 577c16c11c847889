package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Time index: entries only when the running maximum grows; searches start before any match. */
class TimeIndexTest {
    private static final int SEGMENT_BYTES = 1 << 20;

    @TempDir
    Path directory;

    private static TimeIndex sample() {
        TimeIndex index = new TimeIndex(100);
        index.maybeAppend(1_000, 105);
        index.maybeAppend(900, 110);
        index.maybeAppend(2_000, 120);
        index.maybeAppend(3_000, 130);
        return index;
    }

    @Test
    void shouldSkipEntriesThatDoNotRaiseTheMaximum() {
        TimeIndex index = sample();

        assertThat(index.entryCount()).isEqualTo(3);
        assertThat(index.lastTimestampMs()).isEqualTo(3_000);
    }

    @Test
    void shouldStartSearchesAfterEveryBatchThatIsTooOld() {
        TimeIndex index = sample();

        assertThat(index.searchStartOffset(500)).as("before every entry: segment start").isEqualTo(100);
        assertThat(index.searchStartOffset(1_000)).as("an entry equal to the target may hold it").isEqualTo(100);
        assertThat(index.searchStartOffset(1_001)).isEqualTo(105);
        assertThat(index.searchStartOffset(2_500)).isEqualTo(120);
        assertThat(index.searchStartOffset(9_999)).isEqualTo(130);
    }

    @Test
    void shouldReadBackWhatItWroteAndRejectDamage() throws Exception {
        Path file = directory.resolve("00000000000000000100.timeindex");
        sample().writeTo(LogFileSystem.real(), file);

        TimeIndex loaded = TimeIndex.load(LogFileSystem.real(), file, 100, SEGMENT_BYTES, 140);

        assertThat(loaded.entryCount()).isEqualTo(3);
        assertThat(loaded.searchStartOffset(2_500)).isEqualTo(120);
        assertThatThrownBy(() -> TimeIndex.load(LogFileSystem.real(), file, 100, SEGMENT_BYTES, 125)).hasMessageContaining("outside the segment");
        OffsetIndexTest.flipByte(file, IndexFile.HEADER_BYTES + 2);
        assertThatThrownBy(() -> TimeIndex.load(LogFileSystem.real(), file, 100, SEGMENT_BYTES, 140)).hasMessageContaining("CRC");
    }

    @Test
    void shouldAcceptEntriesUpToTheSegmentsLastOffsetAndRefuseThemOutOfOrder() throws Exception {
        Path file = directory.resolve("00000000000000000100.timeindex");
        sample().writeTo(LogFileSystem.real(), file);
        assertThat(TimeIndex.load(LogFileSystem.real(), file, 100, SEGMENT_BYTES, 131).entryCount()).isEqualTo(3);
        assertThatThrownBy(() -> TimeIndex.load(LogFileSystem.real(), file, 100, SEGMENT_BYTES, 130))
                .as("offset 130 is past the segment's last offset").hasMessageContaining("outside the segment");

        writeEntries(file, 1_000, 5, 1_000, 10);
        assertThatThrownBy(() -> TimeIndex.load(LogFileSystem.real(), file, 100, SEGMENT_BYTES, 140))
                .as("a timestamp that does not grow").hasMessageContaining("out of order");
        writeEntries(file, 1_000, 5, 2_000, 5);
        assertThatThrownBy(() -> TimeIndex.load(LogFileSystem.real(), file, 100, SEGMENT_BYTES, 140))
                .as("an offset that does not grow").hasMessageContaining("out of order");
        writeEntries(file, 0, 0, 2_000, 5); // timestamp 0 is a time like any other
        TimeIndex fromTheFirstOffset = TimeIndex.load(LogFileSystem.real(), file, 100, SEGMENT_BYTES, 140);
        assertThat(fromTheFirstOffset.entryCount()).isEqualTo(2);
        assertThat(fromTheFirstOffset.searchStartOffset(2_000)).isEqualTo(100);
        assertThat(fromTheFirstOffset.searchStartOffset(2_001)).isEqualTo(105);
        assertThat(fromTheFirstOffset.lastTimestampMs()).isEqualTo(2_000);
    }

    @Test
    void shouldIgnoreRecordsWithoutATimestampAndAnswerNoneWhenEmpty() {
        TimeIndex index = new TimeIndex(100);
        assertThat(index.lastTimestampMs()).isEqualTo(TimeIndex.NO_TIMESTAMP);
        assertThat(index.searchStartOffset(5)).isEqualTo(100);

        index.maybeAppend(-1, 101);
        assertThat(index.entryCount()).isZero();
        index.maybeAppend(0, 102);
        assertThat(index.entryCount()).isEqualTo(1);
        assertThat(index.lastTimestampMs()).isZero();
        assertThat(index.searchStartOffset(1)).isEqualTo(102);
    }

    @Test
    void shouldKeepEveryEntryAcrossGrowthAndRefuseAnOffsetBelowTheSegmentsBase() throws Exception {
        TimeIndex index = new TimeIndex(100);
        for (int i = 1; i <= 40; i++) {
            index.maybeAppend(1_000L * i, 100 + 2L * i);
        }
        Path file = directory.resolve("00000000000000000100.timeindex");
        index.writeTo(LogFileSystem.real(), file);
        TimeIndex loaded = TimeIndex.load(LogFileSystem.real(), file, 100, SEGMENT_BYTES, 200);

        assertThat(loaded.entryCount()).isEqualTo(40);
        assertThat(loaded.lastTimestampMs()).isEqualTo(40_000);
        for (int i = 1; i <= 40; i++) {
            assertThat(loaded.searchStartOffset(1_000L * i + 1)).isEqualTo(100 + 2L * i);
        }

        writeEntries(file, 1_000, -5);
        assertThatThrownBy(() -> TimeIndex.load(LogFileSystem.real(), file, 100, SEGMENT_BYTES, 140))
                .hasMessage("entry offset 95 outside the segment");
    }

    private static void writeEntries(Path file, long... timestampsAndRelativeOffsets) throws java.io.IOException {
        java.nio.ByteBuffer buffer = IndexFile.allocate(TimeIndex.MAGIC, TimeIndex.VERSION, TimeIndex.ENTRY_BYTES, 100,
                timestampsAndRelativeOffsets.length / 2);
        for (int i = 0; i < timestampsAndRelativeOffsets.length; i += 2) {
            buffer.putLong(timestampsAndRelativeOffsets[i]).putInt((int) timestampsAndRelativeOffsets[i + 1]);
        }
        IndexFile.writeAtomically(LogFileSystem.real(), file, buffer);
    }
}
