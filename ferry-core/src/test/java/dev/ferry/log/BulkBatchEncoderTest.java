package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

class BulkBatchEncoderTest {
    @Test
    void shouldWriteExactlyTheBytesKafkaClientsWritesForTheSameRecords() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            List<SimpleRecord> records = new ArrayList<>();
            int count = 1 + random.nextInt(5);
            long timestamp = random.nextInt(3) == 0 ? 0 : 1_700_000_000_000L + random.nextInt(1_000_000);
            for (int i = 0; i < count; i++) {
                records.add(record(random, timestamp + random.nextInt(2_000)));
            }
            long baseOffset = random.nextInt(1_000_000);

            assertThat(BulkBatchEncoder.canEncode(records)).isTrue();
            assertThat(bulk(records, baseOffset, random.nextBoolean())).as("round " + round)
                    .isEqualTo(builder(records, baseOffset));
        }
    }

    @Test
    void shouldLeaveRecordsWithoutATimestampToTheBuilder() {
        List<SimpleRecord> records = List.of(new SimpleRecord(5L, null, new byte[1]),
                new SimpleRecord(-1L, null, new byte[1]));

        assertThat(BulkBatchEncoder.canEncode(records)).isFalse();
        assertThat(BulkBatchEncoder.canEncode(List.of())).isFalse();
    }

    @Test
    void shouldWriteABatchThatPassesItsOwnChecksum() {
        Random random = new Random(7);
        List<SimpleRecord> records = List.of(record(random, 1_000L), record(random, 900L));

        MemoryRecords decoded = MemoryRecords.readableRecords(ByteBuffer.wrap(bulk(records, 77, true)));
        RecordBatch batch = decoded.batches().iterator().next();

        assertThat(batch.isValid()).isTrue();
        assertThat(batch.baseOffset()).isEqualTo(77);
        assertThat(batch.lastOffset()).isEqualTo(78);
        assertThat(batch.maxTimestamp()).isEqualTo(1_000L);
    }

    private static SimpleRecord record(Random random, long timestamp) {
        byte[] key = random.nextInt(4) == 0 ? null : bytes(random, random.nextInt(40));
        ByteBuffer value;
        int size = random.nextInt(4) == 0 ? 0 : random.nextInt(3_000);
        if (random.nextInt(5) == 0) {
            value = null;
        } else if (random.nextBoolean()) {
            value = ByteBuffer.allocateDirect(size);
            value.put(bytes(random, size)).flip();
        } else {
            value = ByteBuffer.wrap(bytes(random, size));
        }
        Header[] headers = new Header[random.nextInt(3)];
        for (int i = 0; i < headers.length; i++) {
            headers[i] = new RecordHeader("h\u00e9" + i, random.nextBoolean() ? null : bytes(random, random.nextInt(20)));
        }
        return new SimpleRecord(timestamp, key == null ? null : ByteBuffer.wrap(key), value, headers);
    }

    private static byte[] bytes(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] bulk(List<SimpleRecord> records, long baseOffset, boolean direct) {
        int size = DefaultRecordBatch.sizeInBytes(records);
        ByteBuffer out = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        BulkBatchEncoder.encode(out, baseOffset, records);
        assertThat(out.position()).isEqualTo(size);
        byte[] bytes = new byte[size];
        out.flip().get(bytes);
        return bytes;
    }

    private static byte[] builder(List<SimpleRecord> records, long baseOffset) {
        ByteBuffer out = ByteBuffer.allocate(DefaultRecordBatch.sizeInBytes(records));
        MemoryRecords built;
        try (MemoryRecordsBuilder builder = MemoryRecords.builder(out, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                TimestampType.CREATE_TIME, baseOffset)) {
            for (SimpleRecord record : records) {
                builder.append(record);
            }
            built = builder.build();
        }
        ByteBuffer buffer = built.buffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
