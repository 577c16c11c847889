package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Time index: entries only when the running maximum grows; searches start before any match. */
class TimeIndexTest {
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

        TimeIndex loaded = TimeIndex.load(LogFileSystem.real(), file, 100, 140);

        assertThat(loaded.entryCount()).isEqualTo(3);
        assertThat(loaded.searchStartOffset(2_500)).isEqualTo(120);
        assertThatThrownBy(() -> TimeIndex.load(LogFileSystem.real(), file, 100, 125)).hasMessageContaining("outside the segment");
        OffsetIndexTest.flipByte(file, IndexFile.HEADER_BYTES + 2);
        assertThatThrownBy(() -> TimeIndex.load(LogFileSystem.real(), file, 100, 140)).hasMessageContaining("CRC");
    }
}
