package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.encodedBatch;
import static dev.ferry.log.LogTestSupport.recordsFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * Offset, index and segment-boundary invariants over random batch sizes, record sizes, segment
 * sizes and index intervals. Seeded and bounded so a run takes seconds and a failure reproduces.
 */
class LogPropertiesTest {
    /** One append: how many records, how big each value, and whether it arrives pre-encoded. */
    record Append(int recordCount, int valueBytes, boolean encoded) {
    }

    @Provide
    Arbitrary<List<Append>> appends() {
        Arbitrary<Append> append = Combinators.combine(Arbitraries.integers().between(1, 12),
                Arbitraries.integers().between(0, 700), Arbitraries.of(true, false)).as(Append::new);
        return append.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 50, seed = "20240611")
    void shouldReadEveryRecordAtItsOffsetAcrossSegmentsBeforeAndAfterReopen(
            @ForAll("appends") List<Append> appends,
            @ForAll @IntRange(min = 1024, max = 8192) int segmentBytesMax,
            @ForAll @IntRange(min = 0, max = 2048) int indexIntervalBytes,
            @ForAll @IntRange(min = 1, max = 6000) int readMaxBytes) throws IOException {
        Path directory = Files.createTempDirectory("ferry-log-property");
        Path logDirectory = directory.resolve("property");
        LogConfig config = new LogConfig().segmentBytesMax(segmentBytesMax).batchBytesMax(segmentBytesMax)
                .indexIntervalBytes(indexIntervalBytes).fsyncPolicy(FsyncPolicy.NEVER).segmentDeleteDelayMs(0);
        List<Integer> valueBytesByOffset = new ArrayList<>();
        try {
            try (Log log = Log.open(logDirectory, config)) {
                for (Append append : appends) {
                    long firstOffset = log.logEndOffset();
                    List<SimpleRecord> records = recordsFor(firstOffset, append.recordCount(), append.valueBytes());
                    if (DefaultRecordBatch.sizeInBytes(records) > segmentBytesMax) {
                        assertThatThrownBy(() -> log.append(records)).isInstanceOf(BatchTooLargeException.class);
                        assertThat(log.logEndOffset()).isEqualTo(firstOffset);
                        continue;
                    }
                    AppendResult result = append.encoded()
                            ? log.appendBatch(encodedBatch(firstOffset, append.recordCount(), append.valueBytes())).join()
                            : log.append(records).join();
                    assertThat(result).isEqualTo(new AppendResult(firstOffset, firstOffset + append.recordCount() - 1));
                    for (int i = 0; i < append.recordCount(); i++) {
                        valueBytesByOffset.add(append.valueBytes());
                    }
                }
                checkInvariants(log, valueBytesByOffset, readMaxBytes, segmentBytesMax);
            }
            try (Log log = Log.open(logDirectory, config)) {
                checkInvariants(log, valueBytesByOffset, readMaxBytes, segmentBytesMax);
            }
        } finally {
            FileTrees.deleteRecursively(directory);
        }
    }

    private static void checkInvariants(Log log, List<Integer> valueBytesByOffset, int readMaxBytes, int segmentBytesMax)
            throws IOException {
        assertThat(log.logEndOffset()).isEqualTo(valueBytesByOffset.size());

        // Every record comes back, at its offset, in order, intact: offsets are contiguous across segments.
        List<Record> records = LogTestSupport.readAll(log, readMaxBytes);
        assertThat(records).hasSize(valueBytesByOffset.size());
        for (int offset = 0; offset < records.size(); offset++) {
            Record record = records.get(offset);
            assertThat(record.offset()).isEqualTo(offset);
            assertThat(LogTestSupport.matches(record, valueBytesByOffset.get(offset))).as("content at %d", offset).isTrue();
        }

        // Index lookups never skip a record: a read from any offset starts exactly there.
        for (long offset = 0; offset < log.logEndOffset(); offset++) {
            assertThat(log.read(offset, 1).readRecords()).first().extracting(Record::offset).isEqualTo(offset);
            assertThat(log.offsetForTimestamp(LogTestSupport.timestampFor(offset))).hasValue(offset);
        }

        // Each segment starts where the previous one ended and stays within its size limit.
        List<Long> bases = log.segmentBaseOffsets();
        assertThat(bases).isSorted().doesNotHaveDuplicates();
        for (long base : bases) {
            assertThat(Files.size(LogSegment.logFile(log.directory(), base))).isLessThanOrEqualTo(segmentBytesMax);
            if (base < log.logEndOffset()) {
                assertThat(log.read(base, 1).readRecords()).first().extracting(Record::offset).isEqualTo(base);
            }
        }
    }
}
