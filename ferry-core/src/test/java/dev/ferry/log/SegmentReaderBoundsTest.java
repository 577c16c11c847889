package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cleaning a sealed segment whose end is damaged (bytes added behind the log's back, opened without
 * validation): the cleaner's reader names the damage instead of reading past the file's end.
 */
class SegmentReaderBoundsTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final CompactionSettings EAGER = new CompactionSettings(3_600_000L, 0.0, 0);

    @TempDir
    Path directory;

    private LogConfig config() {
        return new LogConfig().segmentBytesMax(16 * 1024 * 1024).batchBytesMax(4 * 1024 * 1024)
                .fsyncPolicy(FsyncPolicy.NEVER).segmentDeleteDelayMs(0).validateSegmentsAtOpen(false);
    }

    private static void put(Log log, String key, String value) {
        log.append(List.of(new SimpleRecord(NOW, key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)))).join();
    }

    /** A log whose first segment (offsets 0-2) is sealed, then closed; returns that segment's file. */
    private Path logWithASealedSegment(Path logDirectory) {
        try (Log log = Log.open(logDirectory, config())) {
            put(log, "a", "1");
            put(log, "a", "2");
            put(log, "b", "1");
            log.rollActiveSegment();
            put(log, "c", "1");
        }
        return LogSegment.logFile(logDirectory, 0);
    }

    private void cleanAndExpect(Path logDirectory, String problem) {
        try (Log log = Log.open(logDirectory, config())) {
            assertThatThrownBy(() -> LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { }))
                    .isInstanceOf(LogCorruptedException.class).hasMessageContaining(problem);
        }
    }

    @Test
    void shouldNameATailShorterThanABatchHeader() throws IOException {
        Path logDirectory = directory.resolve("short-tail");
        Path segment = logWithASealedSegment(logDirectory);
        Files.write(segment, new byte[20], StandardOpenOption.APPEND);

        cleanAndExpect(logDirectory, "a torn batch at the end");
    }

    @Test
    void shouldNameABatchWhoseLengthRunsPastTheFileEnd() throws IOException {
        Path logDirectory = directory.resolve("long-length");
        Path segment = logWithASealedSegment(logDirectory);
        ByteBuffer first = ByteBuffer.wrap(Files.readAllBytes(segment));
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.HEADER_BYTES);
        header.put(first.duplicate().limit(BatchFormat.HEADER_BYTES)).flip();
        header.putLong(0, 3).putInt(BatchFormat.LENGTH_POSITION, 100); // past the 61 bytes present, within the file
        Files.write(segment, header.array(), StandardOpenOption.APPEND);

        cleanAndExpect(logDirectory, "a batch length of 112");
    }
}
