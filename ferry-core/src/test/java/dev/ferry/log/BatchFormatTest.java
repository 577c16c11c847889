package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The empty batch recovery writes is a batch Kafka's own code accepts, and one no producer may send. */
class BatchFormatTest {
    @TempDir
    Path directory;

    @Test
    void shouldWriteAnEmptyBatchThatKafkaReadsAsValidAndRecordless() {
        List<MutableRecordBatch> batches = batchesOf(BatchFormat.emptyBatches(40, 44));

        assertThat(batches).singleElement().satisfies(batch -> {
            batch.ensureValid();
            assertThat(batch.baseOffset()).isEqualTo(40);
            assertThat(batch.lastOffset()).isEqualTo(44);
            assertThat(batch.nextOffset()).isEqualTo(45);
            assertThat(batch.countOrNull()).isZero();
            assertThat(batch.iterator().hasNext()).isFalse();
            assertThat(batch.sizeInBytes()).isEqualTo(BatchFormat.HEADER_BYTES);
        });
    }

    @Test
    void shouldSplitMoreThanAnIntOfOffsetsIntoSeveralEmptyBatches() {
        long last = 7 + 3L * Integer.MAX_VALUE;
        ByteBuffer bytes = BatchFormat.emptyBatches(7, last);

        List<MutableRecordBatch> batches = batchesOf(bytes);

        assertThat(bytes.remaining()).isEqualTo(BatchFormat.emptyBatchesBytes(7, last));
        assertThat(batches).hasSize(4).allSatisfy(MutableRecordBatch::ensureValid);
        assertThat(batches.get(0).baseOffset()).isEqualTo(7);
        assertThat(batches.get(3).lastOffset()).isEqualTo(last);
        for (int i = 1; i < batches.size(); i++) {
            assertThat(batches.get(i).baseOffset()).isEqualTo(batches.get(i - 1).lastOffset() + 1);
        }
    }

    @Test
    void shouldAcceptTheEmptyShapeOnlyWhereRecoveryWroteIt() {
        ByteBuffer empty = BatchFormat.emptyBatches(0, 9);

        assertThat(BatchFormat.checkHeader(empty, 0, empty.remaining(), true)).isNull();
        assertThat(BatchFormat.checkHeader(empty, 0, empty.remaining(), false)).contains("without records");
        ByteBuffer longer = ByteBuffer.allocate(BatchFormat.HEADER_BYTES + 10).put(empty.duplicate()).flip().limit(71);
        longer.putInt(BatchFormat.LENGTH_POSITION, BatchFormat.EMPTY_BATCH_LENGTH + 10);
        assertThat(BatchFormat.checkHeader(longer, 0, longer.remaining(), true)).as("no records, yet longer than a header")
                .contains("record count 0");
    }

    @Test
    void shouldRefuseAnEmptyBatchFromAProducer() {
        try (Log log = Log.open(directory.resolve("produce"), LogTestSupport.smallConfig(FsyncPolicy.NEVER))) {
            ByteBuffer empty = ByteBuffer.allocate(BatchFormat.HEADER_BYTES).put(BatchFormat.emptyBatches(0, 3)).flip();

            assertThatThrownBy(() -> log.appendBatch(empty)).isInstanceOf(InvalidBatchException.class)
                    .hasMessageContaining("without records");
            assertThat(log.logEndOffset()).isZero();
        }
    }

    private static List<MutableRecordBatch> batchesOf(ByteBuffer bytes) {
        List<MutableRecordBatch> batches = new java.util.ArrayList<>();
        MemoryRecords.readableRecords(bytes.duplicate()).batches().forEach(batches::add);
        return batches;
    }
}
