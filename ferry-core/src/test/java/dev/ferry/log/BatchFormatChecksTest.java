package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;

/** Each structural check of a batch header names its own fault, and the empty batches' size arithmetic holds at its edges. */
class BatchFormatChecksTest {
    private static final long HIGH_OFFSET = 1L << 57;

    /** A v2 header (magic 2) with the given fields; the CRC is not part of these checks. */
    private static ByteBuffer header(long baseOffset, int length, int lastOffsetDelta, int recordCount) {
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.HEADER_BYTES);
        header.putLong(0, baseOffset);
        header.putInt(BatchFormat.LENGTH_POSITION, length);
        header.put(BatchFormat.MAGIC_POSITION, (byte) 2);
        header.putInt(BatchFormat.LAST_OFFSET_DELTA_POSITION, lastOffsetDelta);
        header.putInt(BatchFormat.RECORD_COUNT_POSITION, recordCount);
        return header;
    }

    @Test
    void aLengthShorterThanTheHeaderIsReportedAsSuch() {
        ByteBuffer tooShort = header(0, 20, 0, 1);

        assertThat(BatchFormat.checkHeader(tooShort, 0, 1_000, true)).isEqualTo("batch length 20 is below the v2 header size");
    }

    @Test
    void aProducerBatchMustSpanExactlyItsRecordsWhileADiskBatchMayHaveGaps() {
        ByteBuffer gapped = header(0, 200, 5, 3);

        assertThat(BatchFormat.checkHeader(gapped, 0, 1_000, false))
                .isEqualTo("record count 3 does not match last offset delta 5");
        assertThat(BatchFormat.checkHeader(gapped, 0, 1_000, true)).as("as compaction leaves it on disk").isNull();
        assertThat(BatchFormat.checkHeader(header(0, 200, 2, 3), 0, 1_000, false)).as("as a producer sends it").isNull();
    }

    @Test
    void aNegativeBaseOffsetIsRefusedEvenWhenNoOffsetIsExpected() {
        ByteBuffer negative = header(-5, 200, 0, 1);

        assertThat(BatchFormat.checkHeader(negative, -1, 1_000, true)).isEqualTo("negative base offset -5");
    }

    @Test
    void anExpectedBaseOffsetOfZeroIsChecked() {
        ByteBuffer elsewhere = header(7, 200, 0, 1);

        assertThat(BatchFormat.checkHeader(elsewhere, 0, 1_000, true)).isEqualTo("base offset 7 where 0 was expected");
        assertThat(BatchFormat.checkHeader(elsewhere, -1, 1_000, true)).as("no offset expected").isNull();
    }

    @Test
    void aShapeNeedsAnOffsetPerRecordAndAtLeastOneRecordByteOrExactlyTheEmptyBatch() {
        int empty = BatchFormat.EMPTY_BATCH_LENGTH;

        assertThat(BatchFormat.shapeIsValid(3, 2, empty + 1)).as("one offset per record, one byte of records").isTrue();
        assertThat(BatchFormat.shapeIsValid(3, 1, 200)).as("three records in two offsets").isFalse();
        assertThat(BatchFormat.shapeIsValid(1, 0, empty)).as("a record in no bytes").isFalse();
        assertThat(BatchFormat.shapeIsValid(0, 4, empty)).as("the empty batch").isTrue();
        assertThat(BatchFormat.shapeIsValid(0, 4, empty + 1)).isFalse();
    }

    @Test
    void emptyBatchesBytesCountsOneHeaderPerIntOfOffsets() {
        int header = BatchFormat.HEADER_BYTES;

        assertThat(BatchFormat.emptyBatchesBytes(5, 5)).as("one offset").isEqualTo(header);
        assertThat(BatchFormat.emptyBatchesBytes(0, 4)).isEqualTo(header);
        assertThat(BatchFormat.emptyBatchesBytes(0, Integer.MAX_VALUE - 2)).isEqualTo(header);
        assertThat(BatchFormat.emptyBatchesBytes(0, Integer.MAX_VALUE - 1)).isEqualTo(header);
        assertThat(BatchFormat.emptyBatchesBytes(0, Integer.MAX_VALUE)).isEqualTo(2 * header);
        assertThat(BatchFormat.emptyBatchesBytes(HIGH_OFFSET, HIGH_OFFSET + 4)).as("far up the offsets").isEqualTo(header);
    }

    @Test
    void emptyBatchesBytesIsZeroForAnEmptyRangeHoweverFarItRunsBackwards() {
        assertThat(BatchFormat.emptyBatchesBytes(5, 4)).isZero();
        assertThat(BatchFormat.emptyBatchesBytes(1L << 40, 0)).isZero();
    }

    @Test
    void emptyBatchesFarUpTheOffsetsAreOneBatchOverExactlyThatRange() {
        List<MutableRecordBatch> batches = new ArrayList<>();
        MemoryRecords.readableRecords(BatchFormat.emptyBatches(HIGH_OFFSET, HIGH_OFFSET + 4)).batches().forEach(batches::add);

        assertThat(batches).singleElement().satisfies(batch -> {
            batch.ensureValid();
            assertThat(batch.baseOffset()).isEqualTo(HIGH_OFFSET);
            assertThat(batch.lastOffset()).isEqualTo(HIGH_OFFSET + 4);
        });
    }
}
