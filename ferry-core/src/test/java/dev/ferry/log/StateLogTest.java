package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.ferry.store.LogCapture;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state log's replay (in order, across segments, past records and batches it cannot read), its
 * compaction at start (only when the log holds more than what stands, in batches of at most half
 * the batch limit, undone or finished after an interruption, survived when it fails).
 */
class StateLogTest {
    /** "key=value" records, "key=" a tombstone; a key starting with "bad" does not decode. */
    static final StateLog.Codec<String> CODEC = new StateLog.Codec<>() {
        @Override
        public byte[] key(String record) {
            return record.substring(0, record.indexOf('=')).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] value(String record) {
            String value = record.substring(record.indexOf('=') + 1);
            return value.isEmpty() ? null : value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(ByteBuffer key, ByteBuffer value) {
            String text = StandardCharsets.UTF_8.decode(key).toString();
            if (text.startsWith("bad")) {
                throw new IllegalArgumentException("undecodable key " + text);
            }
            return text + "=" + (value == null ? "" : StandardCharsets.UTF_8.decode(value));
        }
    };

    @TempDir
    Path parent;
    private final LogFlusher flusher = new LogFlusher("state-log-test-flusher");
    private final FileHandleCache files = new FileHandleCache(16);

    @AfterEach
    void closeFlusher() {
        flusher.close();
    }

    private Path directory() {
        return parent.resolve("state");
    }

    private StateLog<String> open() {
        return StateLog.open("Test log", CODEC, directory(), flusher, files);
    }

    private static void append(StateLog<String> log, String... records) throws Exception {
        log.append(List.of(records)).get(10, TimeUnit.SECONDS);
    }

    private static Log underlying(StateLog<String> log) {
        return log.cleanerTarget(new CompactionSettings(0, 0.5, 0)).log();
    }

    @Test
    void shouldReplayEveryRecordInOrderAcrossSegmentsAndCountWhatTheLogHolds() throws Exception {
        try (StateLog<String> log = open()) {
            assertThat(log.recovered()).isEmpty();
            append(log, "a=1", "b=1");
            append(log, "c=1");
            assertThat(underlying(log).rollActiveSegment()).isTrue();
            append(log, "a=2", "b=");
            assertThat(log.recordsInLog()).isEqualTo(5);
        }
        try (StateLog<String> log = open()) {
            assertThat(log.recovered()).containsExactly("a=1", "b=1", "c=1", "a=2", "b=");
            assertThat(log.recordsInLog()).isEqualTo(5);
            append(log, "d=1");
            assertThat(log.recordsInLog()).isEqualTo(6);
        }
    }

    @Test
    void shouldSkipAnIntactRecordThatDoesNotDecodeNamingItsOffset() throws Exception {
        try (StateLog<String> log = open()) {
            append(log, "a=1", "bad=1", "b=1");
        }
        try (LogCapture errors = new LogCapture(StateLog.class); StateLog<String> log = open()) {
            assertThat(log.recovered()).containsExactly("a=1", "b=1");
            assertThat(log.recordsInLog()).as("what it recovered").isEqualTo(2);
            assertThat(errors.lines(Level.ERROR)).singleElement().satisfies(line -> assertThat(line)
                    .contains("the record at offset 1 is intact but does not decode").contains("undecodable key bad"));
        }
    }

    /**
     * Makes batch {@code index} of {@code segment} claim -1 headers in its last record (the last
     * byte, zigzag-encoded) and gives it a CRC that matches, as a faulty writer would: every check
     * before the records' decoding passes.
     */
    private static void makeUndecodable(Path segment, int index) throws Exception {
        byte[] bytes = Files.readAllBytes(segment);
        int start = 0;
        for (int i = 0; i < index; i++) {
            start += 12 + ByteBuffer.wrap(bytes).getInt(start + 8);
        }
        int end = start + 12 + ByteBuffer.wrap(bytes).getInt(start + 8);
        bytes[end - 1] = 1;
        CRC32C crc = new CRC32C();
        crc.update(bytes, start + 21, end - start - 21);
        ByteBuffer.wrap(bytes).putInt(start + 17, (int) crc.getValue());
        Files.write(segment, bytes);
    }

    /**
     * A batch whose checksum holds (log recovery keeps it) but whose records do not decode, first
     * in its segment: the replay skips the rest of that segment and goes on with the next.
     */
    @Test
    void shouldSkipToTheNextSegmentFromABatchThatDoesNotDecode() throws Exception {
        try (StateLog<String> log = open()) {
            append(log, "a=0");
            append(log, "a=1");
            underlying(log).rollActiveSegment();
            append(log, "x=2");
            append(log, "x=3");
            underlying(log).rollActiveSegment();
            append(log, "b=4");
        }
        makeUndecodable(directory().resolve(LogSegment.fileStem(2) + ".log"), 0);

        try (LogCapture errors = new LogCapture(StateLog.class); StateLog<String> log = open()) {
            assertThat(log.recovered()).containsExactly("a=0", "a=1", "b=4");
            assertThat(errors.lines(Level.ERROR)).singleElement().satisfies(line -> assertThat(line)
                    .contains("offsets 2..3 are damaged and skipped"));
        }
    }

    @Test
    void shouldStopAtTheEndWhenTheDamagedBatchIsInTheLastSegment() throws Exception {
        try (StateLog<String> log = open()) {
            append(log, "a=0");
            append(log, "x=1");
        }
        makeUndecodable(directory().resolve(LogSegment.fileStem(0) + ".log"), 1);

        try (LogCapture errors = new LogCapture(StateLog.class); StateLog<String> log = open()) {
            assertThat(log.recovered()).containsExactly("a=0");
            assertThat(errors.lines(Level.ERROR)).singleElement().satisfies(line -> assertThat(line)
                    .contains("offsets 1..1 are damaged and skipped"));
        }
    }

    @Test
    void shouldReplayPastTheEmptyBatchThatALossLeaves() throws Exception {
        try (StateLog<String> log = open()) {
            append(log, "a=0");
            append(log, "x=1");
            underlying(log).rollActiveSegment();
            append(log, "b=2");
        }
        Path segment = directory().resolve(LogSegment.fileStem(0) + ".log");
        byte[] bytes = Files.readAllBytes(segment);
        int second = 12 + ByteBuffer.wrap(bytes).getInt(8);
        bytes[bytes.length - 1] ^= 0x55; // the sealed segment's last batch fails its CRC: offset 1 is lost
        Files.write(segment, bytes);

        try (StateLog<String> log = open()) {
            assertThat(Files.size(segment)).as("the loss became an empty batch").isGreaterThan(second);
            assertThat(log.recovered()).containsExactly("a=0", "b=2");
            assertThat(underlying(log).logEndOffset() - underlying(log).logStartOffset()).isEqualTo(3);
            assertThat(log.recordsInLog()).isEqualTo(2);
        }
    }

    @Test
    void shouldRewriteTheLogAsWhatStandsWhenItHoldsMoreRecords() throws Exception {
        try (StateLog<String> log = open()) {
            append(log, "a=1", "b=1");
            append(log, "a=2", "c=1");
        }
        try (StateLog<String> log = open()) {
            // A copy of the log left where the compaction writes: it must start from nothing.
            Files.createDirectories(parent.resolve("state.new"));
            Files.copy(directory().resolve(LogSegment.fileStem(0) + ".log"),
                    parent.resolve("state.new").resolve(LogSegment.fileStem(0) + ".log"));
            log.compact(List.of("a=2", "b=1", "c="));
            assertThat(log.recordsInLog()).isEqualTo(3);
            assertThat(underlying(log).logEndOffset()).isEqualTo(3);
            assertThat(underlying(log).isClosed()).isFalse();
            append(log, "d=1");
        }
        assertThat(parent.resolve("state.new")).doesNotExist();
        assertThat(parent.resolve("state.old")).doesNotExist();
        try (StateLog<String> log = open()) {
            assertThat(log.recovered()).as("a tombstone that stands is written as one").containsExactly("a=2", "b=1", "c=", "d=1");
        }
    }

    @Test
    void shouldLeaveALogThatHoldsExactlyWhatStands() throws Exception {
        try (StateLog<String> log = open()) {
            append(log, "a=1", "b=1");
        }
        try (StateLog<String> log = open()) {
            Log before = underlying(log);
            log.compact(List.of("a=1", "b=1"));
            assertThat(underlying(log)).as("not reopened").isSameAs(before);
            log.compact(List.of("a=1", "b=1", "c=1"));
            assertThat(underlying(log)).isSameAs(before);
        }
    }

    @Test
    void shouldRewriteALogHoldingOffsetsThatNoRecoveredRecordAccountsFor() throws Exception {
        try (StateLog<String> log = open()) {
            append(log, "a=1", "bad=1", "b=1");
        }
        try (StateLog<String> log = open()) {
            Log before = underlying(log);
            log.compact(log.recovered());
            assertThat(underlying(log)).isNotSameAs(before);
            assertThat(underlying(log).logEndOffset()).isEqualTo(2);
        }
    }

    /** Records go in batches of at most half the batch limit (key, value and 32 bytes each); a larger record alone. */
    @Test
    void shouldCompactIntoBatchesOfAtMostHalfTheBatchLimit() throws Exception {
        int half = StateLog.BATCH_BYTES_MAX / 2;
        String exactHalf = "x".repeat(half / 2 - 32 - 2); // with key "k1" or "k2": two fill half exactly
        String large = "y".repeat(half + 1);
        try (StateLog<String> log = open()) {
            for (int update = 0; update < 5; update++) {
                append(log, "a=" + update);
            }
        }
        List<String> standing = List.of("big=" + large, "k1=" + exactHalf, "k2=" + exactHalf, "s=1");
        try (StateLog<String> log = open()) {
            log.compact(standing);
            assertThat(recordsPerBatch(underlying(log))).containsExactly(1, 2, 1);
        }
    }

    private static List<Integer> recordsPerBatch(Log log) {
        List<Integer> counts = new ArrayList<>();
        for (long offset = log.logStartOffset(); offset < log.logEndOffset(); ) {
            ByteBuffer bytes = log.read(offset, StateLog.BATCH_BYTES_MAX * 2).readBytes();
            for (RecordBatch batch : MemoryRecords.readableRecords(bytes).batches()) {
                counts.add((int) (batch.lastOffset() - batch.baseOffset() + 1));
                offset = batch.lastOffset() + 1;
            }
        }
        return counts;
    }

    @Test
    void shouldDeleteAnUnfinishedCompactionAndAnOldCopyAtOpen() throws Exception {
        try (StateLog<String> log = open()) {
            append(log, "a=1");
        }
        Files.createDirectories(parent.resolve("state.new").resolve("sub"));
        Files.writeString(parent.resolve("state.new").resolve("sub").resolve("00000000000000000000.log"), "partial");
        Files.createDirectories(parent.resolve("state.old"));
        Files.writeString(parent.resolve("state.old").resolve("00000000000000000000.log"), "replaced");

        try (StateLog<String> log = open()) {
            assertThat(log.recovered()).containsExactly("a=1");
        }
        assertThat(parent.resolve("state.new")).doesNotExist();
        assertThat(parent.resolve("state.old")).doesNotExist();
    }

    @Test
    void shouldRenameTheOldCopyBackWhenTheCompactionStoppedBetweenItsRenames() throws Exception {
        try (StateLog<String> log = open()) {
            append(log, "a=1", "b=1");
        }
        Files.move(directory(), parent.resolve("state.old"));

        try (StateLog<String> log = open()) {
            assertThat(log.recovered()).containsExactly("a=1", "b=1");
        }
        assertThat(parent.resolve("state.old")).doesNotExist();
    }

    @Test
    void shouldStayOpenOnTheOriginalLogWhenACompactionFails() throws Exception {
        try (StateLog<String> log = open()) {
            append(log, "a=1");
            append(log, "a=2");
        }
        try (StateLog<String> log = open()) {
            // Something in the way of the first rename: the original log must stay in use.
            Files.createDirectories(parent.resolve("state.old").resolve("in-the-way"));
            assertThatThrownBy(() -> log.compact(List.of("a=2")))
                    .isInstanceOf(UncheckedIOException.class).hasMessageContaining("compacting the Test log");
            assertThat(underlying(log).isClosed()).isFalse();
            assertThat(log.recordsInLog()).isEqualTo(2);
            append(log, "b=1");
        }
        try (StateLog<String> log = open()) {
            assertThat(log.recovered()).containsExactly("a=1", "a=2", "b=1");
        }
    }
}
