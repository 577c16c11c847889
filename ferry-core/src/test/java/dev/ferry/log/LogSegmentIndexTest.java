package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The density of a segment's sparse indexes: an offset index entry for the first batch that
 * starts at least {@code indexIntervalBytes} after the previous entry's batch (never at byte 0),
 * a time index entry beside it, and the segment's newest timestamp added when it is sealed. The
 * same entries whether the segment was appended to, loaded from its index files or rebuilt by
 * validation at open. Reads do not show the density (a scan from any earlier entry finds the same
 * batch); the entries do. The interval is the first batch's size, so that an entry falls exactly
 * on it.
 */
class LogSegmentIndexTest {
    @TempDir
    Path directory;

    /** The size of the first batch, so that the second batch starts exactly one interval in. */
    private int indexIntervalBytes;

    @BeforeEach
    void measureTheFirstBatch() {
        try (Log probe = Log.open(directory.resolve("probe"), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(probe, 1, 60);
            indexIntervalBytes = (int) probe.sizeInBytes();
        }
    }

    private LogConfig config(boolean validateSealedSegments) {
        return smallConfig(FsyncPolicy.NEVER).segmentBytesMax(4 * 1024).batchBytesMax(2 * 1024)
                .indexIntervalBytes(indexIntervalBytes)
                .validateSegmentsAtOpen(validateSealedSegments);
    }

    /** An index entry as the rule above places it: offset and position. */
    private record Entry(long offset, int position) {
    }

    /** Where the rule puts the entries of the segment in {@code file}, from the batches in it. */
    private List<Entry> expectedEntries(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        List<Entry> entries = new ArrayList<>();
        int position = 0;
        int sinceLastEntry = 0;
        for (RecordBatch batch : MemoryRecords.readableRecords(bytes).batches()) {
            if (sinceLastEntry >= indexIntervalBytes && position > 0) {
                entries.add(new Entry(batch.baseOffset(), position));
                sinceLastEntry = 0;
            }
            sinceLastEntry += batch.sizeInBytes();
            position += batch.sizeInBytes();
        }
        return entries;
    }

    private static long lastBatchBase(Path file) throws IOException {
        long base = -1;
        for (RecordBatch batch : MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(file))).batches()) {
            base = batch.baseOffset();
        }
        return base;
    }

    private static List<Entry> entries(LogSegment segment) {
        OffsetIndex index = segment.offsetIndex();
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < index.entryCount(); i++) {
            entries.add(new Entry(index.offsetAt(i), index.positionAt(i)));
        }
        return entries;
    }

    /** Batches of 1 to 3 records of 60 bytes: sizes that fall on both sides of the interval. */
    private static void fill(Log log) {
        for (int i = 0; log.segmentCount() < 4; i++) {
            appendRecords(log, 1 + i % 3, 60);
        }
    }

    /** Returns how many sealed segments needed the sealing time entry (their last batch has no entry). */
    private int assertDensity(Log log, Path logDirectory, String when) throws IOException {
        int sealingEntries = 0;
        List<LogSegment> all = new ArrayList<>(log.sealedSegments());
        int sealedCount = all.size();
        assertThat(sealedCount).isGreaterThanOrEqualTo(3);
        for (int i = 0; i < sealedCount; i++) {
            LogSegment segment = all.get(i);
            List<Entry> expected = expectedEntries(LogSegment.logFile(logDirectory, segment.baseOffset()));
            assertThat(expected).as("entries the rule gives segment %d", i).hasSizeGreaterThan(2);
            assertThat(entries(segment)).as("%s: offset index of sealed segment %d", when, i).isEqualTo(expected);
            // One time entry per offset entry, and the newest timestamp unless the last batch has an entry.
            boolean lastBatchIndexed = expected.get(expected.size() - 1).offset()
                    == lastBatchBase(LogSegment.logFile(logDirectory, segment.baseOffset()));
            sealingEntries += lastBatchIndexed ? 0 : 1;
            assertThat(segment.timeIndex().entryCount()).as("%s: time index of sealed segment %d", when, i)
                    .isEqualTo(expected.size() + (lastBatchIndexed ? 0 : 1));
            assertThat(segment.timeIndex().lastTimestampMs()).as("%s: newest timestamp of segment %d", when, i)
                    .isEqualTo(LogTestSupport.timestampFor(segment.nextOffset() - 1));
        }
        return sealingEntries;
    }

    @Test
    void shouldPlaceIndexEntriesByTheIntervalWhenAppendingLoadingAndValidating() throws IOException {
        checkEveryWay(directory.resolve("indexed"));
    }

    @Test
    void shouldAddTheNewestTimestampWhenSealingASegmentWhoseLastBatchHasNoEntry() throws IOException {
        indexIntervalBytes *= 3; // sparse enough that a segment's last batch often has no entry
        assertThat(checkEveryWay(directory.resolve("sparse"))).as("segments sealed by a time entry of their own")
                .isPositive();
    }

    @Test
    void shouldSealASegmentOfOneBatchAtOffsetZeroWithItsTimestamp() {
        try (Log log = Log.open(directory.resolve("single"), config(true))) {
            appendRecords(log, 2, 60);
            assertThat(log.rollActiveSegment()).isTrue();

            TimeIndex sealed = log.sealedSegments().get(0).timeIndex();
            assertThat(sealed.entryCount()).as("the batch at byte 0 has no offset entry, so only sealing adds one").isOne();
            assertThat(sealed.lastTimestampMs()).isEqualTo(LogTestSupport.timestampFor(1));
        }
    }

    @Test
    void shouldIndexEachBatchOfAWriteOfSeveralBatchesAtItsPlaceInASegmentThatHoldsData() throws IOException {
        Path logDirectory = directory.resolve("multi");
        try (Log log = Log.open(logDirectory, config(true))) {
            for (int write = 0; log.segmentCount() < 3; write++) {
                appendRecords(log, 1, 60); // the segment holds data before every write of several batches
                // Three batches of different sizes in one write: an entry placed one batch off lands mid-batch.
                ByteBuffer batches = ByteBuffer.allocate(4 * 1024);
                for (int batch = 0; batch < 3; batch++) {
                    batches.put(LogTestSupport.encodedBatch(0, 1 + (write + batch) % 3, 60));
                }
                log.appendBatch(batches.flip()).join();
            }
            List<LogSegment> sealed = log.sealedSegments();
            for (int i = 0; i < sealed.size(); i++) {
                LogSegment segment = sealed.get(i);
                assertThat(entries(segment)).as("offset index of sealed segment %d", i)
                        .isEqualTo(expectedEntries(LogSegment.logFile(logDirectory, segment.baseOffset())))
                        .hasSizeGreaterThan(2);
                assertThat(segment.nextOffset()).as("the offset after sealed segment %d", i)
                        .isEqualTo(log.segmentBaseOffsets().get(i + 1));
            }
            assertThat(readAll(log, 100_000)).extracting(Record::offset)
                    .containsExactlyElementsOf(LongStream.range(0, log.logEndOffset()).boxed().toList());
        }
    }

    private int checkEveryWay(Path logDirectory) throws IOException {
        int sealingEntries;
        try (Log log = Log.open(logDirectory, config(true))) {
            fill(log);
            sealingEntries = assertDensity(log, logDirectory, "appended");
        }
        try (Log log = Log.open(logDirectory, config(false))) {
            assertDensity(log, logDirectory, "loaded from the index files");
        }
        try (Log log = Log.open(logDirectory, config(true))) {
            assertDensity(log, logDirectory, "rebuilt by validation");
        }
        return sealingEntries;
    }
}
