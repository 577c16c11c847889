package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import dev.ferry.broker.MetadataRecord;
import dev.ferry.log.LogFlusher;

/**
 * When the metadata log is rewritten at start and when not: a clean log that is exactly what
 * stands is left alone, a log whose last record a reopen repaired into an empty batch is replayed
 * up to it and rewritten.
 */
class MetadataLogRepairTest {
    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");

    @AfterEach
    void stopFlusher() {
        flusher.close();
    }

    private Path directory() {
        return dataDir.resolve("metadata");
    }

    private static MetadataRecord.QueueDeclared queue(String name) {
        return new MetadataRecord.QueueDeclared("/", name, false, Map.of());
    }

    private void writeQueues(Path directory, String... names) {
        try (MetadataLog log = MetadataLog.open(directory, flusher)) {
            for (String name : names) {
                log.writer().append(MetadataRecordCodec.encodeBatch(queue(name))).join();
            }
        }
    }

    @Test
    void shouldLeaveALogThatIsExactlyWhatStandsAsItIs() throws Exception {
        writeQueues(directory(), "a", "b", "c");
        byte[] before = Files.readAllBytes(directory().resolve("00000000000000000000.log"));

        try (LogCapture info = new LogCapture(MetadataLog.class); MetadataLog log = MetadataLog.open(directory(), flusher)) {
            log.compact(log.recovered());
            assertThat(info.lines(Level.INFO)).noneMatch(line -> line.startsWith("Metadata compacted"));
        }
        assertThat(Files.readAllBytes(directory().resolve("00000000000000000000.log"))).isEqualTo(before);
    }

    @Test
    void shouldReplayUpToALastRecordTheReopenEmptiedAndRewriteWithoutIt() throws Exception {
        writeQueues(directory(), "a", "b", "c");
        Path segment = directory().resolve("00000000000000000000.log");
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            long position = file.length() - 3; // in the last record's bytes: its batch fails its CRC
            file.seek(position);
            int value = file.read();
            file.seek(position);
            file.write(value ^ 0x5A);
        }

        try (LogCapture errors = new LogCapture(MetadataLog.class); MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(queue("a"), queue("b"));
            assertThat(errors.lines(Level.ERROR)).noneMatch(line -> line.contains("replay stops there"));
        }
        assertThat(dataDir.resolve("metadata.damaged-1")).as("the damaged record, kept").isDirectory();
        // Opened again before any compaction: the empty batch the repair left at the end is intact.
        try (LogCapture errors = new LogCapture(MetadataLog.class); MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(queue("a"), queue("b"));
            assertThat(errors.lines(Level.ERROR)).noneMatch(line -> line.contains("replay stops there"));
            assertThat(dataDir.resolve("metadata.damaged-2")).as("no new damage").doesNotExist();
            log.compact(log.recovered());
            assertThat(errors.lines(Level.INFO)).anyMatch(line -> line.startsWith("Metadata compacted"));
        }
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(queue("a"), queue("b"));
        }
    }
}
