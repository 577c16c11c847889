package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Damaged bytes cost at most their own batches: recovery skips them, keeps every batch after them
 * at its offset, sets the bytes aside in a {@code .corrupt} file, says so in an ERROR line and in
 * {@link Log#damage()}, and never hands a damaged record to a reader. Only a torn tail is cut.
 *
 * <p>Every test writes 12 records per segment-sized group of 3-record batches of 200-byte values
 * (offsets are contiguous, content is a function of the offset), damages the files with the log
 * closed, reopens, and checks every offset: returned intact, or reported lost.
 */
class LogDamageTest {
    private static final int VALUE_BYTES = 200;

    @TempDir
    Path directory;

    private ListAppender<ILoggingEvent> loaderLog;

    @BeforeEach
    void captureLoaderLog() {
        loaderLog = new ListAppender<>();
        loaderLog.start();
        ((Logger) LoggerFactory.getLogger(LogLoader.class)).addAppender(loaderLog);
    }

    @AfterEach
    void releaseLoaderLog() {
        ((Logger) LoggerFactory.getLogger(LogLoader.class)).detachAppender(loaderLog);
    }

    private Path logDirectory() {
        return directory.resolve("orders");
    }

    /** One written batch: its offsets, the segment file holding it and where. */
    record Batch(long baseOffset, long lastOffset, Path segment, int position, int bytes) {
    }

    /** The 12 batches {@link #write} made, and the empty batch a reopen left in place of the last one. */
    private record Repaired(List<Batch> written, Batch empty) {
    }

    /**
     * Writes 12 batches and damages the last one's records: the reopen keeps its bytes aside (offsets
     * 33..35 lost) and leaves an empty batch, one header, in its place, holding those offsets.
     */
    private Repaired lastBatchRepairedIntoAnEmptyOne() throws IOException {
        List<Batch> written = write(12);
        Batch last = written.get(11);
        flipByte(last.segment(), last.position() + last.bytes() - 10);
        assertThat(openAndClose()).singleElement().extracting(LogDamage::firstOffset, LogDamage::lastOffset)
                .containsExactly(33L, 35L);
        return new Repaired(written, batchesOnDisk().get(11));
    }

    /** Appends {@code batches} batches of 3 records and returns where each landed, after a clean close. */
    private List<Batch> write(int batches) throws IOException {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            for (int i = 0; i < batches; i++) {
                appendRecords(log, 3, VALUE_BYTES);
            }
        }
        return batchesOnDisk();
    }

    private List<Batch> batchesOnDisk() throws IOException {
        List<Batch> batches = new ArrayList<>();
        try (Stream<Path> files = Files.list(logDirectory())) {
            for (Path segment : files.filter(file -> file.toString().endsWith(".log")).sorted().toList()) {
                try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
                    for (FileChannelRecordBatch batch : records.batches()) {
                        batches.add(new Batch(batch.baseOffset(), batch.lastOffset(), segment, batch.position(),
                                batch.sizeInBytes()));
                    }
                }
            }
        }
        return batches;
    }

    /**
     * Reopens the log and checks it: every offset below {@code endOffset} is either returned with
     * its own content or listed as lost, exactly {@code lost} are lost, appends continue at the end,
     * and a second reopen finds no new damage.
     */
    private List<LogDamage> reopenAndCheck(long endOffset, long... lost) {
        return reopenAndCheck(endOffset, lost, new long[0]);
    }

    /** As above, where {@code lostBefore} were lost at an earlier open: not returned, not reported again. */
    private List<LogDamage> reopenAndCheck(long endOffset, long[] lost, long[] lostBefore) {
        List<LogDamage> damage;
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            damage = log.damage();
            assertThat(log.logEndOffset()).as("offsets never go backwards").isEqualTo(endOffset);
            List<Long> returned = new ArrayList<>();
            for (Record record : readAll(log, 100_000)) {
                assertThat(LogTestSupport.matches(record, VALUE_BYTES)).as("content at %d", record.offset()).isTrue();
                returned.add(record.offset());
            }
            List<Long> expectedLost = Arrays.stream(lost).boxed().toList();
            List<Long> earlierLost = Arrays.stream(lostBefore).boxed().toList();
            List<Long> expectedReturned = new ArrayList<>();
            for (long offset = log.logStartOffset(); offset < endOffset; offset++) {
                if (!expectedLost.contains(offset) && !earlierLost.contains(offset)) {
                    expectedReturned.add(offset);
                }
                long at = offset;
                boolean reportedNow = damage.stream().anyMatch(region -> region.newlyFound() && region.covers(at));
                boolean reportedEarlier = damage.stream().anyMatch(region -> !region.newlyFound() && region.covers(at));
                assertThat(reportedNow).as("offset %d reported lost", offset).isEqualTo(expectedLost.contains(offset));
                assertThat(reportedEarlier).as("offset %d reported lost at an earlier open", offset)
                        .isEqualTo(earlierLost.contains(offset));
            }
            assertThat(returned).isEqualTo(expectedReturned);
            assertThat(appendRecords(log, 2, VALUE_BYTES)).as("appends continue at the end")
                    .isEqualTo(new AppendResult(endOffset, endOffset + 1));
        }
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            assertThat(log.damage()).as("the repair holds; the loss stays listed")
                    .noneMatch(LogDamage::newlyFound)
                    .extracting(LogDamage::firstOffset, LogDamage::lastOffset)
                    .containsExactlyElementsOf(damage.stream().map(region -> org.assertj.core.groups.Tuple.tuple(
                            region.firstOffset(), region.lastOffset())).toList());
            assertThat(readAll(log, 100_000))
                    .hasSize((int) (endOffset + 2 - lost.length - lostBefore.length - log.logStartOffset()));
        }
        return damage;
    }

    private static long[] offsets(Batch batch) {
        return java.util.stream.LongStream.rangeClosed(batch.baseOffset(), batch.lastOffset()).toArray();
    }

    private List<String> errorLines() {
        return loaderLog.list.stream().filter(event -> event.getLevel() == Level.ERROR)
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void shouldSkipAFlippedByteInTheMiddleOfASealedSegmentAndKeepTheBatchesAfterIt() throws IOException {
        List<Batch> batches = write(60);
        Batch damaged = batches.get(5);
        assertThat(batches.get(6).segment()).as("the damaged batch is in the middle of a sealed segment")
                .isEqualTo(damaged.segment()).isNotEqualTo(batches.get(59).segment());
        flipByte(damaged.segment(), damaged.position() + 100);
        byte[] damagedBytes = Arrays.copyOfRange(Files.readAllBytes(damaged.segment()), damaged.position(),
                damaged.position() + damaged.bytes());

        List<LogDamage> damage = reopenAndCheck(180, offsets(damaged));

        assertThat(damage).singleElement().satisfies(region -> {
            assertThat(region.newlyFound()).isTrue();
            assertThat(region.segmentFile()).isEqualTo(damaged.segment().getFileName().toString());
            assertThat(region.firstOffset()).isEqualTo(damaged.baseOffset());
            assertThat(region.lastOffset()).isEqualTo(damaged.lastOffset());
            assertThat(region.position()).isEqualTo(damaged.position());
            assertThat(region.bytes()).isEqualTo(damaged.bytes());
            assertThat(region.reason()).contains("CRC");
            assertThat(region.corruptFile()).isEqualTo(CorruptFile.path(logDirectory(), 0));
        });
        List<CorruptFile.Entry> kept = CorruptFile.read(LogFileSystem.real(), CorruptFile.path(logDirectory(), 0));
        assertThat(kept).singleElement().satisfies(entry -> {
            assertThat(entry.bytes()).as("the damaged bytes, kept as they were").isEqualTo(damagedBytes);
            assertThat(entry.bytesIntact()).isTrue();
            assertThat(entry.region()).isEqualTo(new CorruptFile.Region(damaged.position(), damaged.bytes(),
                    damaged.baseOffset(), damaged.lastOffset()));
        });
        assertThat(errorLines()).singleElement().satisfies(line -> assertThat(line).contains("'orders'")
                .contains(damaged.segment().getFileName().toString())
                .contains("offsets " + damaged.baseOffset() + ".." + damaged.lastOffset() + " lost")
                .contains(damaged.bytes() + " bytes"));
    }

    @Test
    void shouldSkipAFlippedByteInTheMiddleOfTheActiveSegment() throws IOException {
        List<Batch> batches = write(12);
        assertThat(batches.get(11).segment()).isEqualTo(batches.get(0).segment());
        Batch damaged = batches.get(5);
        flipByte(damaged.segment(), damaged.position() + 150);

        List<LogDamage> damage = reopenAndCheck(36, offsets(damaged));

        assertThat(damage).singleElement().extracting(LogDamage::offsetsLost).isEqualTo(3L);
        assertThat(CorruptFile.path(logDirectory(), 0)).exists();
    }

    @Test
    void shouldResynchroniseAfterADamagedLengthField() throws IOException {
        List<Batch> batches = write(12);
        Batch damaged = batches.get(4);
        // A length that points into the middle of the next batch, and a record byte damaged too, so
        // the true length cannot be recovered: the reader must find the next batch by scanning.
        flipByte(damaged.segment(), damaged.position() + BatchFormat.LENGTH_POSITION + 3);
        flipByte(damaged.segment(), damaged.position() + 200);

        List<LogDamage> damage = reopenAndCheck(36, offsets(damaged));

        assertThat(damage).singleElement().extracting(LogDamage::bytes).isEqualTo((long) damaged.bytes());
    }

    @Test
    void shouldRestoreADamagedLengthMagicOrBaseOffsetWithoutLosingTheRecords() throws IOException {
        List<Batch> batches = write(12);
        flipByte(batches.get(2).segment(), batches.get(2).position() + BatchFormat.LENGTH_POSITION + 2);
        flipByte(batches.get(5).segment(), batches.get(5).position() + BatchFormat.MAGIC_POSITION);
        flipByte(batches.get(8).segment(), batches.get(8).position() + 5);
        flipByte(batches.get(11).segment(), batches.get(11).position() + BatchFormat.LENGTH_POSITION + 1);

        List<LogDamage> damage = reopenAndCheck(36);

        assertThat(damage).isEmpty();
        assertThat(CorruptFile.path(logDirectory(), 0)).doesNotExist();
        assertThat(loaderLog.list).filteredOn(event -> event.getLevel() == Level.WARN)
                .hasSize(4).allMatch(event -> event.getFormattedMessage().contains("records are intact"));
    }

    @Test
    void shouldKeepACompleteButCorruptLastBatchAsideInsteadOfCuttingIt() throws IOException {
        List<Batch> batches = write(12);
        Batch last = batches.get(11);
        flipByte(last.segment(), last.position() + last.bytes() - 10);

        List<LogDamage> damage = reopenAndCheck(36, offsets(last));

        assertThat(damage).singleElement().satisfies(region -> {
            assertThat(region.firstOffset()).isEqualTo(33);
            assertThat(region.lastOffset()).isEqualTo(35);
        });
        assertThat(CorruptFile.read(LogFileSystem.real(), CorruptFile.path(logDirectory(), 0))).hasSize(1);
        assertThat(loaderLog.list).as("the damage reaches the file's end: nothing is left to cut")
                .noneMatch(event -> event.getFormattedMessage().contains("torn tail"));
    }

    @Test
    void shouldCutATornTailTooShortToHoldTheMagicByte() throws IOException {
        List<Batch> batches = write(12);
        Batch torn = batches.get(11);
        truncate(torn.segment(), torn.position() + BatchFormat.MAGIC_POSITION - 6);

        assertThat(reopenAndCheck(33)).isEmpty();

        assertThat(loaderLog.list).filteredOn(event -> event.getLevel() == Level.WARN).singleElement()
                .extracting(ILoggingEvent::getFormattedMessage).asString()
                .contains("torn batch header: " + (BatchFormat.MAGIC_POSITION - 6) + " bytes left");
    }

    @Test
    void shouldKeepADamagedBatchAsideAndCutTheTornBatchAfterIt() throws IOException {
        List<Batch> batches = write(12);
        Batch damaged = batches.get(10);
        Batch torn = batches.get(11);
        flipByte(damaged.segment(), damaged.position() + 90);
        truncate(torn.segment(), torn.position() + torn.bytes() / 2);

        List<LogDamage> damage = reopenAndCheck(33, offsets(damaged));

        assertThat(damage).singleElement().extracting(LogDamage::bytes).isEqualTo((long) damaged.bytes());
        assertThat(loaderLog.list).filteredOn(event -> event.getFormattedMessage().contains("torn tail")).singleElement()
                .extracting(ILoggingEvent::getFormattedMessage).asString()
                .contains("incomplete batch after offset 32 at byte " + torn.position());
    }

    @Test
    void shouldCutATornTailInPlaceWithoutRewritingTheSegment() throws IOException {
        List<Batch> batches = write(12);
        Batch torn = batches.get(11);
        truncate(torn.segment(), torn.position() + 100);

        reopenAndCheck(33);

        assertThat(loaderLog.list).filteredOn(event -> event.getLevel() == Level.WARN).singleElement()
                .extracting(ILoggingEvent::getFormattedMessage).asString()
                .contains("truncating segment " + torn.segment().getFileName() + " from " + (torn.position() + 100)
                        + " to " + torn.position() + " bytes at offset 33")
                .as("no whole batch claimed the next offset: the reason is what the torn header says")
                .contains("torn batch: length " + (torn.bytes() - BatchFormat.LOG_OVERHEAD_BYTES) + " runs past the 100 bytes present");
        assertThat(CorruptFile.path(logDirectory(), 0)).doesNotExist();
    }

    @Test
    void shouldSkipSixteenFlippedBytesInAClosedSegmentWhoseIndexIsValid() throws IOException {
        // The case: 16 bytes flipped in the middle of a queue's first, closed segment,
        // whose index files still pass their checks, so the old loader trusted the segment.
        List<Batch> batches = write(60);
        Path first = batches.get(0).segment();
        int segmentBytes = (int) Files.size(first);
        int from = segmentBytes / 2;
        try (RandomAccessFile file = new RandomAccessFile(first.toFile(), "rw")) {
            for (int i = 0; i < 16; i++) {
                file.seek(from + i);
                int value = file.read();
                file.seek(from + i);
                file.write(~value);
            }
        }
        long[] lost = batches.stream()
                .filter(batch -> batch.segment().equals(first) && batch.position() < from + 16
                        && batch.position() + batch.bytes() > from)
                .flatMapToLong(batch -> Arrays.stream(offsets(batch))).toArray();
        assertThat(lost).isNotEmpty();

        reopenAndCheck(180, lost);
    }

    @Test
    void shouldSurviveSixteenFlippedBytesAnywhereInASealedSegment() throws IOException {
        List<Batch> batches = write(60);
        Path first = batches.get(0).segment();
        Path pristine = directory.resolve("pristine");
        copyDirectory(logDirectory(), pristine);
        int segmentBytes = (int) Files.size(first);
        for (int from = 0; from < segmentBytes; from += 509) {
            FileTrees.deleteRecursively(logDirectory());
            copyDirectory(pristine, logDirectory());
            int to = Math.min(segmentBytes, from + 16);
            try (RandomAccessFile file = new RandomAccessFile(first.toFile(), "rw")) {
                for (int at = from; at < to; at++) {
                    file.seek(at);
                    int value = file.read();
                    file.seek(at);
                    file.write(value ^ 0x5A);
                }
            }
            int start = from;
            List<Long> mayBeLost = batches.stream()
                    .filter(batch -> batch.segment().equals(first) && batch.position() < to
                            && batch.position() + batch.bytes() > start)
                    .flatMapToLong(batch -> Arrays.stream(offsets(batch))).boxed().toList();

            try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
                List<Long> returned = new ArrayList<>();
                for (Record record : readAll(log, 100_000)) {
                    assertThat(LogTestSupport.matches(record, VALUE_BYTES)).as("content at %d", record.offset()).isTrue();
                    returned.add(record.offset());
                }
                assertThat(log.damage()).allMatch(LogDamage::newlyFound);
                for (long offset = 0; offset < 180; offset++) {
                    long at = offset;
                    boolean reported = log.damage().stream().anyMatch(region -> region.covers(at));
                    assertThat(returned.contains(offset) || reported).as("offset %d returned or reported (bytes %d..%d)",
                            offset, start, to).isTrue();
                    assertThat(!reported || mayBeLost.contains(offset)).as("offset %d lost though its batch is intact",
                            offset).isTrue();
                }
                assertThat(log.logEndOffset()).isEqualTo(180);
                assertThat(appendRecords(log, 1, VALUE_BYTES).firstOffset()).isEqualTo(180);
            }
        }
    }

    @Test
    void shouldReportTheOffsetsOfASealedSegmentCutShort() throws IOException {
        List<Batch> batches = write(60);
        Path first = batches.get(0).segment();
        List<Batch> inFirst = batches.stream().filter(batch -> batch.segment().equals(first)).toList();
        Batch cutAt = inFirst.get(inFirst.size() - 2);
        truncate(first, cutAt.position() + 30);
        long[] lost = java.util.stream.LongStream.rangeClosed(cutAt.baseOffset(), inFirst.get(inFirst.size() - 1).lastOffset())
                .toArray();

        List<LogDamage> damage = reopenAndCheck(180, lost);

        assertThat(damage).singleElement().satisfies(region -> assertThat(region.bytes()).isEqualTo(30));
    }

    @Test
    void shouldReportTheOffsetsOfAMissingSegmentFile() throws IOException {
        List<Batch> batches = write(60);
        List<Path> segments = batches.stream().map(Batch::segment).distinct().toList();
        assertThat(segments).hasSizeGreaterThanOrEqualTo(3);
        Path missing = segments.get(1);
        Files.delete(missing);
        long[] lost = batches.stream().filter(batch -> batch.segment().equals(missing))
                .flatMapToLong(batch -> Arrays.stream(offsets(batch))).toArray();

        List<LogDamage> damage = reopenAndCheck(180, lost);

        assertThat(damage).singleElement().satisfies(region -> {
            assertThat(region.segmentFile()).isEqualTo(segments.get(0).getFileName().toString());
            assertThat(region.bytes()).isZero();
            assertThat(region.reason()).contains("next one starts at " + (lost[lost.length - 1] + 1));
        });
    }

    @Test
    void shouldAddToTheCorruptFileWhenTheSameSegmentIsDamagedAgain() throws IOException {
        List<Batch> batches = write(12);
        flipByte(batches.get(3).segment(), batches.get(3).position() + 100);
        reopenAndCheck(36, offsets(batches.get(3)));
        List<Batch> repaired = batchesOnDisk();
        Batch again = repaired.stream().filter(batch -> batch.baseOffset() == 27).findFirst().orElseThrow();
        flipByte(again.segment(), again.position() + 100);

        reopenAndCheck(38, new long[] {27, 28, 29}, offsets(batches.get(3)));

        assertThat(CorruptFile.read(LogFileSystem.real(), CorruptFile.path(logDirectory(), 0)))
                .extracting(entry -> entry.region().firstOffsetLost()).containsExactly(9L, 27L);
    }

    @Test
    void shouldNeverHandOutARecordDamagedAfterTheLogWasOpened() throws IOException {
        List<Batch> batches = write(60);
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            Batch payload = batches.get(4);
            Batch header = batches.get(8);
            flipByte(payload.segment(), payload.position() + 120);
            flipByte(header.segment(), header.position() + BatchFormat.LENGTH_POSITION);

            assertThatThrownBy(() -> log.read(payload.baseOffset() + 1, 100_000).readRecords())
                    .isInstanceOf(LogCorruptedException.class).hasMessageContaining("'orders'")
                    .hasMessageContaining("offset " + payload.baseOffset()).hasMessageContaining("CRC");
            assertThat(log.read(0, 100_000).readRecords()).as("a read ends before the damaged batch")
                    .extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
            assertThatThrownBy(() -> log.read(header.baseOffset() + 1, 1000))
                    .as("a damaged length on the way to an offset").isInstanceOf(LogCorruptedException.class)
                    .hasMessageContaining("offset " + (header.baseOffset() + 1));
            assertThat(log.read(batches.get(20).baseOffset(), 1).readRecords()).first().extracting(Record::offset)
                    .as("batches elsewhere are still served").isEqualTo(batches.get(20).baseOffset());
        }
    }

    /** Opens the log and closes it again, appending nothing: the repairs of this open are all that changes. */
    private List<LogDamage> openAndClose() {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            return log.damage();
        }
    }

    private long openAndCloseForEndOffset() {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            return log.logEndOffset();
        }
    }

    @Test
    void shouldKeepTheEmptyBatchOfARepairAtTheEndOfTheNewestSegmentAndItsOffsetsWhenItIsDamagedInTurn() throws IOException {
        Repaired repaired = lastBatchRepairedIntoAnEmptyOne();
        List<Batch> batches = repaired.written();
        Batch last = batches.get(11);
        Batch empty = repaired.empty();
        assertThat(empty.bytes()).as("the repair left one empty batch, exactly a header, at the end")
                .isEqualTo(BatchFormat.HEADER_BYTES);
        assertThat(Files.size(last.segment())).isEqualTo(empty.position() + BatchFormat.HEADER_BYTES);

        assertThat(openAndClose()).as("an intact empty batch at the very end is neither torn nor damage")
                .noneMatch(LogDamage::newlyFound);
        assertThat(openAndCloseForEndOffset()).isEqualTo(36);

        // A byte its CRC covers: the empty batch is damage, and its offsets are still not handed out again.
        flipByte(last.segment(), empty.position() + BatchFormat.BASE_TIMESTAMP_POSITION);
        assertThat(openAndClose()).filteredOn(LogDamage::newlyFound).singleElement()
                .extracting(LogDamage::firstOffset, LogDamage::lastOffset).containsExactly(33L, 35L);
        // Its last offset delta damaged as well: the span the repair recorded in the .corrupt file holds.
        putInt(last.segment(), empty.position() + BatchFormat.LAST_OFFSET_DELTA_POSITION, 0);
        assertThat(openAndClose()).filteredOn(LogDamage::newlyFound).singleElement()
                .extracting(LogDamage::firstOffset, LogDamage::lastOffset).containsExactly(33L, 35L);
        // A delta with its sign bit flipped counts without that bit, the larger span: offsets 36..38 held nothing.
        putInt(last.segment(), empty.position() + BatchFormat.LAST_OFFSET_DELTA_POSITION, Integer.MIN_VALUE | 5);
        assertThat(openAndClose()).filteredOn(LogDamage::newlyFound).singleElement()
                .extracting(LogDamage::firstOffset, LogDamage::lastOffset).containsExactly(33L, 38L);
        assertThat(openAndCloseForEndOffset()).isEqualTo(39);
    }

    @Test
    void shouldTakeTheSpanOfADamagedEmptyBatchAtTheEndFromItsDeltaWhenTheCorruptFileIsGone() throws IOException {
        Repaired repaired = lastBatchRepairedIntoAnEmptyOne();
        List<Batch> batches = repaired.written();
        Batch last = batches.get(11);
        Batch empty = repaired.empty();
        Files.delete(CorruptFile.path(logDirectory(), 0));
        flipByte(last.segment(), empty.position() + BatchFormat.BASE_TIMESTAMP_POSITION);

        assertThat(openAndClose()).as("the empty batch's own last offset delta, 2: offsets 33..35")
                .singleElement().extracting(LogDamage::firstOffset, LogDamage::lastOffset).containsExactly(33L, 35L);
        assertThat(openAndCloseForEndOffset()).isEqualTo(36);
    }

    @Test
    void shouldRestoreTheDamagedLengthOfACompressedLastBatchFromTheBytesLeftInTheFile() throws IOException {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            appendRecords(log, 3, VALUE_BYTES);
            // Compressed: its records' lengths cannot be read off its bytes; only the rest of the file tells its length.
            org.apache.kafka.common.record.internal.MemoryRecordsBuilder builder =
                    org.apache.kafka.common.record.internal.MemoryRecords.builder(java.nio.ByteBuffer.allocate(4096),
                            org.apache.kafka.common.record.internal.RecordBatch.MAGIC_VALUE_V2,
                            org.apache.kafka.common.compress.Compression.gzip().build(),
                            org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0L);
            for (int i = 3; i < 6; i++) {
                builder.append(LogTestSupport.recordFor(i, VALUE_BYTES));
            }
            log.appendBatch(builder.build().buffer()).join();
        }
        Batch compressed = batchesOnDisk().get(1);
        putInt(compressed.segment(), compressed.position() + BatchFormat.LENGTH_POSITION, 1_000_000);

        assertThat(reopenAndCheck(6)).as("restored to the bytes left: no offset lost").isEmpty();
    }

    @Test
    void shouldReportTheLargerPlausibleSpanOfADamagedLastBatchOfTheNewestSegment() throws IOException {
        List<Batch> batches = write(12);
        Batch last = batches.get(11);
        Path pristine = directory.resolve("pristine");
        copyDirectory(logDirectory(), pristine);
        // An uncompressed batch cannot hold more records than its bytes allow, 7 bytes each at least.
        int recordsMax = (last.bytes() - BatchFormat.LOG_OVERHEAD_BYTES - BatchFormat.EMPTY_BATCH_LENGTH)
                / BatchFormat.RECORD_BYTES_MIN;
        int delta = BatchFormat.LAST_OFFSET_DELTA_POSITION;
        int count = BatchFormat.RECORD_COUNT_POSITION;
        record Case(String what, int field, int value, long endOffset) {
        }
        List<Case> cases = List.of(
                new Case("a delta past what the bytes hold", delta, recordsMax, 36),
                new Case("the largest delta the bytes allow", delta, recordsMax - 1, 33 + recordsMax),
                new Case("a larger delta", delta, 5, 39),
                new Case("a negative delta", delta, -7, 36),
                new Case("a count past what the bytes hold", count, recordsMax + 1, 36),
                new Case("the largest count the bytes allow", count, recordsMax, 33 + recordsMax),
                new Case("a larger count", count, 7, 40),
                new Case("no record", count, 0, 36));
        for (Case damage : cases) {
            FileTrees.deleteRecursively(logDirectory());
            copyDirectory(pristine, logDirectory());
            putInt(last.segment(), last.position() + damage.field(), damage.value());
            try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
                assertThat(log.logEndOffset()).as(damage.what()).isEqualTo(damage.endOffset());
                assertThat(log.damage()).as(damage.what()).singleElement()
                        .extracting(LogDamage::firstOffset, LogDamage::lastOffset)
                        .containsExactly(33L, damage.endOffset() - 1);
                assertThat(readAll(log, 100_000)).as(damage.what()).hasSize(33);
            }
        }
        FileTrees.deleteRecursively(logDirectory());
        copyDirectory(pristine, logDirectory());
        putInt(last.segment(), last.position() + delta, 1000);
        putByte(last.segment(), last.position() + BatchFormat.ATTRIBUTES_POSITION + 1, 1);
        assertThat(openAndCloseForEndOffset()).as("a compressed batch's size does not bound its records").isEqualTo(1034);
    }

    @Test
    void shouldNotHandOutAgainTheOffsetOfALostOneRecordBatchAtTheEnd() throws IOException {
        write(12);
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            appendRecords(log, 1, VALUE_BYTES);
        }
        Batch single = batchesOnDisk().get(12);
        assertThat(single.lastOffset()).isEqualTo(single.baseOffset()).isEqualTo(36);
        flipByte(single.segment(), single.position() + single.bytes() - 10);

        reopenAndCheck(37, 36);
    }

    @Test
    void shouldRestoreTheDamagedLengthOfAnEmptyBatchARepairLeftWithoutReportingALossAgain() throws IOException {
        List<Batch> batches = write(12);
        flipByte(batches.get(3).segment(), batches.get(3).position() + 100);
        openAndClose();
        Batch empty = batchesOnDisk().get(3);
        assertThat(empty.bytes()).isEqualTo(BatchFormat.HEADER_BYTES);
        flipByte(empty.segment(), empty.position() + BatchFormat.LENGTH_POSITION + 3);
        loaderLog.list.clear();

        reopenAndCheck(36, new long[0], offsets(batches.get(3)));

        assertThat(loaderLog.list).filteredOn(event -> event.getLevel() == Level.WARN).singleElement()
                .satisfies(event -> assertThat(event.getFormattedMessage()).contains("records are intact"));
    }

    @Test
    void shouldReadEveryOffsetThroughTheIndexesAfterSeveralRepairsInOneSegment() throws IOException {
        List<Batch> batches = write(80);
        List<List<Batch>> segments = new ArrayList<>(batches.stream()
                .collect(java.util.stream.Collectors.groupingBy(Batch::segment, java.util.TreeMap::new,
                        java.util.stream.Collectors.toList())).values());
        assertThat(segments).hasSizeGreaterThanOrEqualTo(4);
        List<Batch> lost = new ArrayList<>();
        // Sealed: two damaged batches, each replaced by a smaller empty batch, so the later ones move.
        List<Batch> first = segments.get(0);
        lost.add(damageBody(first.get(2)));
        lost.add(damageBody(first.get(5)));
        // Sealed: a damaged batch, then the segment cut inside its last batch (nothing valid follows).
        List<Batch> second = segments.get(1);
        lost.add(damageBody(second.get(3)));
        Batch cut = second.get(second.size() - 1);
        truncate(cut.segment(), cut.position() + 30);
        lost.add(cut);
        // Sealed: a damaged batch, then the segment cut exactly before its last batch (it ends early).
        List<Batch> third = segments.get(2);
        lost.add(damageBody(third.get(1)));
        Batch missing = third.get(third.size() - 1);
        truncate(missing.segment(), missing.position());
        lost.add(missing);
        // Newest: a damaged batch in the middle, and a complete but damaged last batch.
        List<Batch> newest = segments.get(segments.size() - 1);
        lost.add(damageBody(newest.get(1)));
        lost.add(damageBody(newest.get(newest.size() - 1)));

        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            assertThat(log.logEndOffset()).isEqualTo(240);
            assertThat(log.damage()).hasSize(lost.size());
            for (Batch batch : batches) {
                boolean isLost = lost.contains(batch);
                for (long offset = batch.baseOffset(); offset <= batch.lastOffset(); offset++) {
                    LogSlice slice = log.read(offset, 1);
                    if (isLost) {
                        assertThat(slice.readRecords()).as("lost offset %d", offset).isEmpty();
                        assertThat(slice.nextOffset()).as("after lost offset %d", offset).isGreaterThan(batch.lastOffset());
                    } else {
                        assertThat(slice.readRecords()).as("offset %d", offset).first().extracting(Record::offset)
                                .isEqualTo(offset);
                        assertThat(log.offsetForTimestamp(LogTestSupport.timestampFor(offset))).as("timestamp of %d", offset)
                                .hasValue(offset);
                    }
                }
            }
        }
    }

    @Test
    void shouldSkipIntactBatchesWithOffsetsOutOfPlaceWhileResynchronising() throws IOException {
        List<Batch> batches = write(80);
        List<Batch> first = batches.stream().filter(batch -> batch.segment().equals(batches.get(0).segment())).toList();
        Batch nextSegmentsFirst = batches.get(first.size());
        assertThat(first.size()).isGreaterThan(12);
        byte[] segment = Files.readAllBytes(first.get(0).segment());
        byte[] next = Files.readAllBytes(nextSegmentsFirst.segment());
        // After a damaged batch, an intact one that belongs to the next segment (its base offset is the bound) ...
        flipByte(first.get(4).segment(), first.get(4).position() + 100);
        Batch replaced = first.get(5);
        assertThat(nextSegmentsFirst.bytes()).isEqualTo(replaced.bytes());
        put(replaced.segment(), replaced.position(), Arrays.copyOfRange(next, nextSegmentsFirst.position(),
                nextSegmentsFirst.position() + nextSegmentsFirst.bytes()));
        // ... and, further on, an intact copy of an earlier batch (its base offset is behind): stale bytes, not offsets.
        flipByte(first.get(10).segment(), first.get(10).position() + 100);
        Batch stale = first.get(1);
        assertThat(stale.bytes()).isLessThanOrEqualTo(first.get(11).bytes());
        put(first.get(11).segment(), first.get(11).position(), Arrays.copyOfRange(segment, stale.position(),
                stale.position() + stale.bytes()));
        long[] lost = java.util.stream.LongStream.concat(
                java.util.stream.LongStream.rangeClosed(first.get(4).baseOffset(), first.get(5).lastOffset()),
                java.util.stream.LongStream.rangeClosed(first.get(10).baseOffset(), first.get(11).lastOffset())).toArray();

        List<LogDamage> damage = reopenAndCheck(240, lost);

        assertThat(damage).extracting(LogDamage::bytes).containsExactly((long) first.get(4).bytes() + replaced.bytes(),
                (long) first.get(10).bytes() + first.get(11).bytes());
    }

    private static Batch damageBody(Batch batch) throws IOException {
        flipByte(batch.segment(), batch.position() + batch.bytes() - 10);
        return batch;
    }

    @Test
    void shouldValidateASegmentLargerThanTheReadWindowAndRepairDamageBeyondIt() throws IOException {
        // The validator reads through a 256 KiB window: batches of about 23 KiB, some across its edges.
        LogConfig config = smallConfig(FsyncPolicy.NEVER).segmentBytesMax(1 << 20).batchBytesMax(64 * 1024);
        try (Log log = Log.open(logDirectory(), config)) {
            for (int i = 0; i < 30; i++) {
                appendRecords(log, 100, VALUE_BYTES);
            }
        }
        List<Batch> batches = batchesOnDisk();
        assertThat(batches.get(29).position()).isGreaterThan(2 * 256 * 1024);
        try (Log log = Log.open(logDirectory(), config)) {
            assertThat(log.damage()).as("a clean segment read across windows").isEmpty();
        }
        Batch acrossTheEdge = batches.stream().filter(batch -> batch.position() < 256 * 1024
                && batch.position() + batch.bytes() > 256 * 1024).findFirst().orElseThrow();
        Batch beyond = batches.get(20);
        Batch lengthDamaged = batches.get(24);
        flipByte(acrossTheEdge.segment(), acrossTheEdge.position() + acrossTheEdge.bytes() - 10);
        flipByte(beyond.segment(), beyond.position() + 1000);
        flipByte(lengthDamaged.segment(), lengthDamaged.position() + BatchFormat.LENGTH_POSITION + 1);

        try (Log log = Log.open(logDirectory(), config)) {
            assertThat(log.damage()).extracting(LogDamage::firstOffset, LogDamage::lastOffset).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(acrossTheEdge.baseOffset(), acrossTheEdge.lastOffset()),
                    org.assertj.core.groups.Tuple.tuple(beyond.baseOffset(), beyond.lastOffset()));
            assertThat(log.logEndOffset()).isEqualTo(3000);
            List<Long> returned = new ArrayList<>();
            for (Record record : readAll(log, 1 << 20)) {
                assertThat(LogTestSupport.matches(record, VALUE_BYTES)).as("content at %d", record.offset()).isTrue();
                returned.add(record.offset());
            }
            assertThat(returned).hasSize(3000 - 200).doesNotContain(acrossTheEdge.baseOffset(), beyond.lastOffset())
                    .contains(lengthDamaged.baseOffset(), lengthDamaged.lastOffset());
        }
    }

    /**
     * The validator's window reloaded in the middle of a header: a resynchronisation scan across a
     * window edge through bytes that look like a batch's magic (every value byte is 2), so the
     * length field before the magic lies below the reloaded window; and a batch larger than the
     * window found after the damage, whose CRC check reloads the window past its base offset.
     */
    @Test
    void shouldReadHeaderFieldsLyingBeforeTheWindowAfterAReloadInTheMiddleOfAHeader() throws IOException {
        LogConfig config = smallConfig(FsyncPolicy.NEVER).segmentBytesMax(4 << 20).batchBytesMax(1 << 20);
        byte[] magicLike = new byte[300 * 1024];
        Arrays.fill(magicLike, (byte) 2);
        try (Log log = Log.open(logDirectory(), config)) {
            appendRecords(log, 3, VALUE_BYTES);
            log.append(List.of(new org.apache.kafka.common.record.internal.SimpleRecord(1L, null, magicLike))).join();
            log.append(List.of(new org.apache.kafka.common.record.internal.SimpleRecord(2L, null, magicLike))).join();
            appendRecords(log, 3, VALUE_BYTES);
        }
        List<Batch> batches = batchesOnDisk();
        assertThat(batches).extracting(Batch::bytes).allMatch(bytes -> bytes < 300 * 1024 + 100);
        Batch damaged = batches.get(1);
        assertThat(damaged.bytes()).isGreaterThan(256 * 1024);
        flipByte(damaged.segment(), damaged.position() + 1000);

        try (Log log = Log.open(logDirectory(), config)) {
            assertThat(log.damage()).extracting(LogDamage::firstOffset, LogDamage::lastOffset)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(3L, 3L));
            assertThat(readAll(log, 1 << 20)).extracting(Record::offset).containsExactly(0L, 1L, 2L, 4L, 5L, 6L, 7L);
        }
    }

    @Test
    void shouldResynchroniseOnAnEmptyBatchThatEndsExactlyAtTheEndOfTheFile() throws IOException {
        Repaired repaired = lastBatchRepairedIntoAnEmptyOne();
        List<Batch> batches = repaired.written();
        Batch last = batches.get(11);
        Batch empty = repaired.empty();
        assertThat(empty.position() + empty.bytes()).as("an empty batch, the file's last bytes")
                .isEqualTo(Files.size(last.segment()));

        flipByte(last.segment(), batches.get(10).position() + 100);

        assertThat(openAndClose()).as("the scan after the damage finds the empty batch: 33..35 stay an earlier loss")
                .filteredOn(LogDamage::newlyFound).extracting(LogDamage::firstOffset, LogDamage::lastOffset)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(30L, 32L));
    }

    @Test
    void shouldKeepTheBatchRightAfterBytesThatHoldNoOffset() throws IOException {
        List<Batch> batches = write(12);
        Path segment = batches.get(0).segment();
        byte[] bytes = Files.readAllBytes(segment);
        int at = batches.get(5).position();
        // 100 bytes that are no batch, between batches 4 and 5: a write the file system put in the wrong place.
        byte[] withJunk = new byte[bytes.length + 100];
        System.arraycopy(bytes, 0, withJunk, 0, at);
        System.arraycopy(bytes, at, withJunk, at + 100, bytes.length - at);
        Files.write(segment, withJunk);

        List<LogDamage> damage = reopenAndCheck(36);

        assertThat(damage).singleElement().satisfies(region -> {
            assertThat(region.position()).isEqualTo(at);
            assertThat(region.bytes()).isEqualTo(100);
            assertThat(region.offsetsLost()).isZero();
        });
    }

    @Test
    void shouldCountAsDamageTheOffsetsOfASealedSegmentThatReachTheNextSegmentsBase() throws IOException {
        List<Batch> batches = write(25);
        Path second = batches.get(24).segment();
        Batch lastOfFirst = batches.stream().filter(batch -> !batch.segment().equals(second)).reduce((a, b) -> b)
                .orElseThrow();
        long secondBase = lastOfFirst.lastOffset() + 1;
        // The second segment's name one below its content: the first segment's last batch reaches the named base.
        Files.move(second, LogSegment.logFile(logDirectory(), secondBase - 1));
        Files.deleteIfExists(LogSegment.offsetIndexFile(logDirectory(), secondBase));
        Files.deleteIfExists(LogSegment.timeIndexFile(logDirectory(), secondBase));

        assertThat(openAndClose()).filteredOn(region -> region.segmentFile().equals(lastOfFirst.segment().getFileName()
                .toString())).extracting(LogDamage::firstOffset, LogDamage::lastOffset)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(lastOfFirst.baseOffset(), secondBase - 2));
    }

    @Test
    void shouldRestoreTheDamagedLengthOfAOneRecordBatch() throws IOException {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            appendRecords(log, 3, VALUE_BYTES);
            appendRecords(log, 1, VALUE_BYTES); // offset 3, alone in its batch: last offset delta 0
            appendRecords(log, 3, VALUE_BYTES);
        }
        Batch single = batchesOnDisk().get(1);
        assertThat(single.lastOffset()).isEqualTo(single.baseOffset());
        putInt(single.segment(), single.position() + BatchFormat.LENGTH_POSITION, 1_000_000);

        assertThat(reopenAndCheck(7)).as("its records are intact: only the length, outside the CRC, is restored").isEmpty();
        assertThat(loaderLog.list).filteredOn(event -> event.getLevel() == Level.WARN)
                .extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).contains("restored the header fields of the batch at byte "
                        + single.position()));
    }

    @Test
    void shouldRefuseAReadPastABatchHeaderDamagedAfterOpenWhicheverFieldIsWrong() throws IOException {
        List<Batch> batches = write(12);
        Batch damaged = batches.get(4);
        Path segment = damaged.segment();
        long readAt = batches.get(6).baseOffset() + 1;
        // One index entry at most, so a read scans every header from the segment's start.
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS).indexIntervalBytes(1 << 20))) {
            long previousLast = batches.get(3).lastOffset();
            int pastTheEnd = (int) Files.size(segment) - damaged.position() - BatchFormat.LOG_OVERHEAD_BYTES + 1;
            List<Runnable> damages = List.of(
                    () -> putLong(segment, damaged.position(), previousLast - 1),
                    () -> putLong(segment, damaged.position(), previousLast),
                    () -> putInt(segment, damaged.position() + BatchFormat.LAST_OFFSET_DELTA_POSITION, -1),
                    () -> putByte(segment, damaged.position() + BatchFormat.MAGIC_POSITION, 1),
                    () -> putInt(segment, damaged.position() + BatchFormat.LENGTH_POSITION, BatchFormat.EMPTY_BATCH_LENGTH - 1),
                    () -> putInt(segment, damaged.position() + BatchFormat.LENGTH_POSITION, pastTheEnd));
            byte[] header = Arrays.copyOfRange(Files.readAllBytes(segment), damaged.position(),
                    damaged.position() + BatchFormat.HEADER_BYTES);
            for (int i = 0; i < damages.size(); i++) {
                damages.get(i).run();
                assertThatThrownBy(() -> log.read(readAt, 100)).as("damage %d", i)
                        .isInstanceOf(LogCorruptedException.class)
                        .hasMessageContaining("byte " + damaged.position())
                        .hasMessageContaining("offset " + readAt + " cannot be read");
                assertThat(log.read(batches.get(3).baseOffset(), 100).readRecords()).as("the batch before it, damage %d", i)
                        .extracting(Record::offset).containsExactly(9L, 10L, 11L);
                try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
                    file.seek(damaged.position());
                    file.write(header);
                }
                assertThat(log.read(readAt, 100).readRecords()).as("restored after damage %d", i)
                        .extracting(Record::offset).startsWith(readAt);
            }
        }
    }

    /**
     * Two complete but damaged batches at the end of the newest segment, the first about as large
     * as the validator's 256 KiB window: the window loaded at the first one's base ends between the
     * second one's last offset delta and its record count, so reading its attributes to weigh its
     * claimed span reloads the window backwards.
     */
    @Test
    void shouldReadTheAttributesOfAClaimedBatchLyingBeforeTheWindowAfterAReloadPastThem() throws IOException {
        LogConfig config = smallConfig(FsyncPolicy.NEVER).segmentBytesMax(4 << 20).batchBytesMax(1 << 20);
        byte[] large = new byte[262_030];
        Arrays.fill(large, (byte) 7);
        try (Log log = Log.open(logDirectory(), config)) {
            appendRecords(log, 3, VALUE_BYTES);
            log.append(List.of(new org.apache.kafka.common.record.internal.SimpleRecord(1L, null, large))).join();
            appendRecords(log, 3, VALUE_BYTES);
        }
        List<Batch> batches = batchesOnDisk();
        Batch first = batches.get(1);
        Batch second = batches.get(2);
        int windowEnd = first.position() + 256 * 1024;
        assertThat(windowEnd).as("the window from the first claimed batch ends inside the second one's header")
                .isBetween(second.position() + BatchFormat.LAST_OFFSET_DELTA_POSITION + 4,
                        second.position() + BatchFormat.RECORD_COUNT_POSITION + 3);
        assertThat(second.position() + second.bytes()).isEqualTo((int) Files.size(second.segment()));
        flipByte(first.segment(), first.position() + first.bytes() - 10);
        flipByte(second.segment(), second.position() + second.bytes() - 10);

        try (Log log = Log.open(logDirectory(), config)) {
            assertThat(log.damage()).extracting(LogDamage::firstOffset, LogDamage::lastOffset)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(3L, 6L));
            assertThat(log.logEndOffset()).isEqualTo(7);
            assertThat(readAll(log, 1 << 20)).extracting(Record::offset).containsExactly(0L, 1L, 2L);
        }
    }

    /**
     * A damaged batch, then a torn one missing only its last 10 bytes: the torn batch is no place
     * to resynchronise (its CRC would be read past the file's end), so it is cut as a torn tail.
     */
    @Test
    void shouldCutATornBatchMissingOnlyItsLastBytesAfterADamagedBatch() throws IOException {
        List<Batch> batches = write(12);
        Batch damaged = damageBody(batches.get(10));
        Batch torn = batches.get(11);
        truncate(torn.segment(), torn.position() + torn.bytes() - 10);

        assertThat(reopenAndCheck(33, offsets(damaged))).singleElement().extracting(LogDamage::bytes)
                .isEqualTo((long) damaged.bytes());
        assertThat(loaderLog.list).filteredOn(event -> event.getFormattedMessage().contains("torn tail")).hasSize(1);
    }

    /**
     * After a damaged batch, an intact one whose base offset (outside the CRC) was damaged to a
     * value so large that adding its last offset delta overflows: no place to resynchronise. It
     * is lost with the damaged one, and the scan goes on to the batch after it.
     */
    @Test
    void shouldNotResynchroniseOnABatchWhoseBaseOffsetIsDamagedToNearTheLargestOffset() throws IOException {
        List<Batch> batches = write(12);
        Batch damaged = damageBody(batches.get(4));
        Batch baseDamaged = batches.get(5);
        putLong(baseDamaged.segment(), baseDamaged.position(), Long.MAX_VALUE - 1);

        List<LogDamage> damage = reopenAndCheck(36, java.util.stream.LongStream.rangeClosed(damaged.baseOffset(),
                baseDamaged.lastOffset()).toArray());

        assertThat(damage).singleElement().extracting(LogDamage::bytes)
                .isEqualTo((long) damaged.bytes() + baseDamaged.bytes());
    }

    /**
     * After damage in a sealed segment, an intact batch whose last offset is exactly the next
     * segment's base is no place to resynchronise: the damage runs to the segment's end as one region.
     */
    @Test
    void shouldNotResynchroniseOnABatchWhoseLastOffsetIsTheNextSegmentsBase() throws IOException {
        List<Batch> batches = write(25);
        Path firstSegment = batches.get(0).segment();
        List<Batch> first = batches.stream().filter(batch -> batch.segment().equals(firstSegment)).toList();
        Batch last = first.get(first.size() - 1);
        Batch damaged = first.get(first.size() - 2);
        long nextBase = last.lastOffset() + 1;
        assertThat(batches.get(first.size()).baseOffset()).isEqualTo(nextBase);
        damageBody(damaged);
        // The base offset lies outside the CRC: one higher, the intact batch's last offset is the next base.
        putLong(firstSegment, last.position(), last.baseOffset() + 1);

        assertThat(openAndClose()).filteredOn(region -> region.segmentFile().equals(firstSegment.getFileName().toString()))
                .extracting(LogDamage::firstOffset, LogDamage::lastOffset)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(damaged.baseOffset(), nextBase - 1));
    }

    private static void putLong(Path file, long position, long value) {
        put(file, position, java.nio.ByteBuffer.allocate(8).putLong(0, value).array());
    }

    private static void putInt(Path file, long position, int value) {
        put(file, position, java.nio.ByteBuffer.allocate(4).putInt(0, value).array());
    }

    private static void putByte(Path file, long position, int value) {
        put(file, position, new byte[] {(byte) value});
    }

    private static void put(Path file, long position, byte[] bytes) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            raf.write(bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void shouldTrustSealedSegmentsWhenValidationIsSwitchedOffAndStillNeverReturnDamage() throws IOException {
        List<Batch> batches = write(60);
        Batch damaged = batches.get(4);
        flipByte(damaged.segment(), damaged.position() + 120);

        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS).validateSegmentsAtOpen(false))) {
            assertThat(log.damage()).isEmpty();
            assertThatThrownBy(() -> log.read(damaged.baseOffset(), 100_000).readRecords())
                    .isInstanceOf(LogCorruptedException.class).hasMessageContaining("offset " + damaged.baseOffset());
        }
    }

    static void flipByte(Path file, long position) throws IOException {
        OffsetIndexTest.flipByte(file, position);
    }

    private static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
        }
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}
