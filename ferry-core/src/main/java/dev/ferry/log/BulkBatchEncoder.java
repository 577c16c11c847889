package dev.ferry.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.Utils;

/**
 * Encodes records as one uncompressed RecordBatch v2, byte for byte what kafka-clients'
 * {@code MemoryRecordsBuilder} writes for them, but copying each key and value in bulk.
 *
 * <p>Why: the builder copies a value that is not a heap array (a large message body held off the
 * heap) one byte at a time, 2-3 times slower than copying it whole (16 MiB: 100-175 ms against
 * 47-56 ms, measured under load); this writes such a value with one bulk copy and checksums the
 * batch with the JDK's CRC32C, which reads direct memory as fast as heap.
 *
 * <p>Only for records with a timestamp (not -1) and without a producer: the cases the log's own
 * appends produce. {@link #canEncode} says whether it applies.
 */
final class BulkBatchEncoder {
    private static final int ATTRIBUTES_OFFSET = 21; // base offset, length, leader epoch, magic, CRC before it

    private BulkBatchEncoder() {
    }

    static boolean canEncode(List<SimpleRecord> records) {
        for (SimpleRecord record : records) {
            if (record.timestamp() < 0) {
                return false;
            }
        }
        return !records.isEmpty();
    }

    /**
     * Writes the batch at {@code out}'s position (which it advances); {@code out} must have
     * {@code DefaultRecordBatch.sizeInBytes(records)} bytes remaining.
     */
    static void encode(ByteBuffer out, long baseOffset, List<SimpleRecord> records) {
        int start = out.position();
        long baseTimestamp = records.get(0).timestamp();
        long maxTimestamp = baseTimestamp;
        for (SimpleRecord record : records) {
            maxTimestamp = Math.max(maxTimestamp, record.timestamp());
        }
        out.position(start + DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        for (int i = 0; i < records.size(); i++) {
            writeRecord(out, i, records.get(i), baseTimestamp);
        }
        int end = out.position();
        out.position(start);
        out.putLong(baseOffset);
        out.putInt(end - start - 12); // the length counts what follows the offset and itself
        out.putInt(RecordBatch.NO_PARTITION_LEADER_EPOCH);
        out.put(RecordBatch.MAGIC_VALUE_V2);
        out.putInt(0); // the CRC, written last
        out.putShort((short) 0); // no compression, create time, not transactional, not control
        out.putInt(records.size() - 1);
        out.putLong(baseTimestamp);
        out.putLong(maxTimestamp);
        out.putLong(RecordBatch.NO_PRODUCER_ID);
        out.putShort(RecordBatch.NO_PRODUCER_EPOCH);
        out.putInt(RecordBatch.NO_SEQUENCE);
        out.putInt(records.size());
        CRC32C crc = new CRC32C();
        ByteBuffer covered = out.duplicate();
        covered.limit(end).position(start + ATTRIBUTES_OFFSET);
        crc.update(covered);
        out.putInt(start + ATTRIBUTES_OFFSET - 4, (int) crc.getValue());
        out.position(end);
    }

    private static void writeRecord(ByteBuffer out, int offsetDelta, SimpleRecord record, long baseTimestamp) {
        long timestampDelta = record.timestamp() - baseTimestamp;
        ByteBuffer key = record.key();
        ByteBuffer value = record.value();
        Header[] headers = record.headers();
        int bodySize = 1 + ByteUtils.sizeOfVarlong(timestampDelta) + ByteUtils.sizeOfVarint(offsetDelta)
                + sizeOfBytes(key) + sizeOfBytes(value) + ByteUtils.sizeOfVarint(headers.length);
        for (Header header : headers) {
            int keyBytes = Utils.utf8Length(header.key()); // counted, not encoded: it is encoded once below
            bodySize += ByteUtils.sizeOfVarint(keyBytes) + keyBytes + sizeOfBytes(header.value());
        }
        ByteUtils.writeVarint(bodySize, out);
        out.put((byte) 0); // record attributes: none defined
        ByteUtils.writeVarlong(timestampDelta, out);
        ByteUtils.writeVarint(offsetDelta, out);
        writeBytes(out, key);
        writeBytes(out, value);
        ByteUtils.writeVarint(headers.length, out);
        for (Header header : headers) {
            byte[] name = header.key().getBytes(StandardCharsets.UTF_8);
            ByteUtils.writeVarint(name.length, out);
            out.put(name);
            byte[] headerValue = header.value();
            if (headerValue == null) {
                ByteUtils.writeVarint(-1, out);
            } else {
                ByteUtils.writeVarint(headerValue.length, out);
                out.put(headerValue);
            }
        }
    }

    private static int sizeOfBytes(ByteBuffer bytes) {
        return bytes == null ? ByteUtils.sizeOfVarint(-1) : ByteUtils.sizeOfVarint(bytes.remaining()) + bytes.remaining();
    }

    private static int sizeOfBytes(byte[] bytes) {
        return bytes == null ? ByteUtils.sizeOfVarint(-1) : ByteUtils.sizeOfVarint(bytes.length) + bytes.length;
    }

    private static void writeBytes(ByteBuffer out, ByteBuffer bytes) {
        if (bytes == null) {
            ByteUtils.writeVarint(-1, out);
            return;
        }
        ByteUtils.writeVarint(bytes.remaining(), out);
        out.put(bytes.duplicate()); // one bulk copy, heap or direct
    }
}
