package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link IndexFile} refuses files it cannot read whole. */
class IndexFileTest {
    @TempDir
    Path directory;

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
}
