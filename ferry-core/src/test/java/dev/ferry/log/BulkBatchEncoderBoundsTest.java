package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/** The edges of the bulk encoder: a timestamp of exactly 0, and a batch written after other bytes. */
class BulkBatchEncoderBoundsTest {
    @Test
    void shouldAcceptARecordWhoseTimestampIsTheEpochItself() {
        List<SimpleRecord> records = List.of(new SimpleRecord(0L, null, new byte[] {1}),
                new SimpleRecord(3L, null, new byte[] {2}));

        assertThat(BulkBatchEncoder.canEncode(records)).isTrue();
    }

    @Test
    void shouldWriteTheBatchLengthFromWhereTheBatchStartsNotFromTheBufferStart() {
        List<SimpleRecord> records = List.of(new SimpleRecord(10L, new byte[] {7}, new byte[] {1, 2, 3}),
                new SimpleRecord(20L, null, new byte[] {4}));
        int size = DefaultRecordBatch.sizeInBytes(records);
        int before = 40;
        ByteBuffer out = ByteBuffer.allocate(before + size);
        out.position(before);

        BulkBatchEncoder.encode(out, 5, records);

        assertThat(out.position()).isEqualTo(before + size);
        ByteBuffer written = out.duplicate().position(before).limit(before + size).slice();
        assertThat(written.getInt(8)).as("length field").isEqualTo(size - 12);
        RecordBatch batch = MemoryRecords.readableRecords(written).batches().iterator().next();
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.baseOffset()).isEqualTo(5);
        assertThat(batch.lastOffset()).isEqualTo(6);
        assertThat(batch.sizeInBytes()).isEqualTo(size);
    }
}
