package dev.ferry.stream;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.zip.CRC32C;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

/**
 * Reads and checks the header of one RecordBatch v2 as a producer sent it, in place (absolute
 * reads from the buffer's position; nothing is copied or decoded). The layout is drawn in
 * {@code dev.ferry.log.BatchFormat}; the positions here are the same, counted from the batch start.
 */
final class ProducedBatch {
    static final int LOG_OVERHEAD_BYTES = 12;
    static final int HEADER_BYTES = 61;
    static final int LENGTH = 8;
    static final int MAGIC = 16;
    static final int CRC = 17;
    static final int ATTRIBUTES = 21;
    static final int LAST_OFFSET_DELTA = 23;
    static final int BASE_TIMESTAMP = 27;
    static final int MAX_TIMESTAMP = 35;
    static final int PRODUCER_ID = 43;
    static final int PRODUCER_EPOCH = 51;
    static final int BASE_SEQUENCE = 53;
    static final int RECORD_COUNT = 57;
    static final byte MAGIC_V2 = 2;
    static final int TIMESTAMP_TYPE_FLAG = 0x08;
    static final int TRANSACTIONAL_FLAG = 0x10;
    static final int CONTROL_FLAG = 0x20;
    static final int COMPRESSION_MASK = 0x07;

    private ProducedBatch() {
    }

    /**
     * Checks that {@code batch} (position to limit) is exactly one v2 batch of a shape a partition
     * stores: framing, magic, record count against offsets, not a control batch (a transactional one
     * has a producer id),
     * within {@code maxMessageBytes}. The CRC is checked by the log as it appends.
     *
     * @throws BrokerException CORRUPT_RECORD, INVALID_RECORD or RECORD_TOO_LARGE
     */
    static void checkShape(ByteBuffer batch, int maxMessageBytes, String partition) {
        int base = batch.position();
        int size = batch.remaining();
        if (size < HEADER_BYTES) {
            throw refuse(ErrorCode.CORRUPT_RECORD, partition, size + " bytes are less than one batch header");
        }
        byte magic = batch.get(base + MAGIC);
        if (magic != MAGIC_V2) {
            throw refuse(ErrorCode.CORRUPT_RECORD, partition, "magic " + magic + "; only RecordBatch v2 is taken");
        }
        long batchBytes = LOG_OVERHEAD_BYTES + (long) batch.getInt(base + LENGTH);
        if (batchBytes > size || batchBytes < HEADER_BYTES) {
            throw refuse(ErrorCode.CORRUPT_RECORD, partition, "batch length " + (batchBytes - LOG_OVERHEAD_BYTES)
                    + " does not fit the " + size + " bytes sent");
        }
        if (batchBytes < size) {
            throw refuse(ErrorCode.INVALID_RECORD, partition, "a produce request carries exactly one batch per partition");
        }
        if (size > maxMessageBytes) {
            throw refuse(ErrorCode.RECORD_TOO_LARGE, partition, "batch of " + size + " bytes exceeds max.message.bytes="
                    + maxMessageBytes);
        }
        int recordCount = batch.getInt(base + RECORD_COUNT);
        if (recordCount <= 0 || batch.getInt(base + LAST_OFFSET_DELTA) != recordCount - 1) {
            throw refuse(ErrorCode.CORRUPT_RECORD, partition, "record count " + recordCount
                    + " does not match last offset delta " + batch.getInt(base + LAST_OFFSET_DELTA));
        }
        short attributes = batch.getShort(base + ATTRIBUTES);
        if ((attributes & CONTROL_FLAG) != 0) {
            throw refuse(ErrorCode.INVALID_RECORD, partition, "a producer may not send control batches");
        }
        if ((attributes & TRANSACTIONAL_FLAG) != 0 && batch.getLong(base + PRODUCER_ID) < 0) {
            throw refuse(ErrorCode.INVALID_RECORD, partition, "a transactional batch without a producer id");
        }
    }

    static boolean isTransactional(ByteBuffer batch) {
        return (batch.getShort(batch.position() + ATTRIBUTES) & TRANSACTIONAL_FLAG) != 0;
    }

    static boolean isControl(ByteBuffer batch) {
        return (batch.getShort(batch.position() + ATTRIBUTES) & CONTROL_FLAG) != 0;
    }

    /**
     * The type of the control record a control batch holds (its first record's key): COMMIT or
     * ABORT for a transaction marker. Decodes the record; for the rare control batch only.
     */
    static ControlRecordType controlType(ByteBuffer batch) {
        for (RecordBatch decoded : MemoryRecords.readableRecords(batch.slice()).batches()) {
            for (Record record : decoded) {
                return ControlRecordType.parse(record.key());
            }
        }
        return ControlRecordType.UNKNOWN;
    }

    /** A transaction marker batch (RecordBatch v2, control and transactional) at {@code offset}. */
    static ByteBuffer transactionMarker(long offset, long timestampMs, int leaderEpoch, long producerId,
            short producerEpoch, boolean commit, int coordinatorEpoch) {
        EndTransactionMarker marker = new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
                coordinatorEpoch);
        return MemoryRecords.withEndTransactionMarker(offset, timestampMs, leaderEpoch, producerId, producerEpoch, marker)
                .buffer();
    }

    static boolean crcMatches(ByteBuffer batch) {
        int base = batch.position();
        CRC32C crc = new CRC32C();
        crc.update(batch.duplicate().position(base + ATTRIBUTES));
        return (int) crc.getValue() == batch.getInt(base + CRC);
    }

    /** Marks the batch as log-append-time stamped at {@code nowMs} and recomputes its CRC (check the old one first). */
    static void stampLogAppendTime(ByteBuffer batch, long nowMs) {
        int base = batch.position();
        short attributes = batch.getShort(base + ATTRIBUTES);
        batch.putShort(base + ATTRIBUTES, (short) (attributes | TIMESTAMP_TYPE_FLAG));
        batch.putLong(base + MAX_TIMESTAMP, nowMs);
        CRC32C crc = new CRC32C();
        crc.update(batch.duplicate().position(base + ATTRIBUTES));
        batch.putInt(base + CRC, (int) crc.getValue());
    }

    /** The batch's codec, as its attributes number it ({@code CompressionType.id}: 0 none, 1 gzip, ...). */
    static int compressionId(ByteBuffer batch) {
        return batch.getShort(batch.position() + ATTRIBUTES) & COMPRESSION_MASK;
    }

    /**
     * The batch written again in {@code target}: its records decoded (decompressed) and encoded
     * in the new codec by kafka-clients' builder, which computes the new CRC. What the header
     * carries stays: base offset, partition leader epoch, producer id, epoch and base sequence,
     * the transactional flag, the timestamp type (a LogAppendTime batch keeps its time); and each
     * record keeps its timestamp, key, value and headers, at the offset delta of its place in the
     * batch (which is its delta in any batch {@link #checkShape} lets through). Check the CRC
     * first: the new one would vouch for whatever the old bytes held.
     *
     * @param batch one v2 batch, not a control batch ({@link #checkShape} passed)
     * @param maxBatchBytes the size the rebuilt batch may reach (RECORD_TOO_LARGE past it, found while
     *     it is built)
     * @throws BrokerException CORRUPT_RECORD if the records do not decode
     */
    static ByteBuffer recompress(ByteBuffer batch, Compression target, int maxBatchBytes, String partition) {
        try {
            Iterator<MutableRecordBatch> batches = MemoryRecords.readableRecords(batch.slice()).batches().iterator();
            MutableRecordBatch original = batches.next();
            TimestampType timestampType = original.timestampType();
            long logAppendTime = timestampType == TimestampType.LOG_APPEND_TIME ? original.maxTimestamp()
                    : RecordBatch.NO_TIMESTAMP;
            // Decompressed, the records take at most about what they took before plus the header; the
            // builder's stream grows if a codec does worse than that.
            int uncompressedGuess = original.isCompressed() ? 2 * batch.remaining() : batch.remaining();
            MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(uncompressedGuess + HEADER_BYTES),
                    RecordBatch.MAGIC_VALUE_V2, target, timestampType, original.baseOffset(), logAppendTime,
                    original.producerId(), original.producerEpoch(), original.baseSequence(), original.isTransactional(),
                    original.partitionLeaderEpoch());
            long offset = original.baseOffset();
            int declared = recordCount(batch);
            for (Record record : original) {
                builder.appendWithOffset(offset++, record.timestamp(), record.key(), record.value(), record.headers());
                // Checked as it grows, not once built: a small gzip batch of repeated bytes can inflate
                // a thousandfold, and written uncompressed it would take that much heap first.
                if (builder.estimatedSizeInBytes() > maxBatchBytes) {
                    throw refuse(ErrorCode.RECORD_TOO_LARGE, partition, "rebuilt in the topic's compression.type the "
                            + "batch exceeds " + maxBatchBytes + " bytes");
                }
            }
            if (offset - original.baseOffset() != declared) {
                throw refuse(ErrorCode.CORRUPT_RECORD, partition, "it declares " + declared + " records and holds "
                        + (offset - original.baseOffset()));
            }
            return builder.build().buffer();
        } catch (BrokerException e) {
            throw e;
        } catch (RuntimeException e) {
            // KafkaException, InvalidRecordException, BufferUnderflowException...: the bytes were not records.
            throw refuse(ErrorCode.CORRUPT_RECORD, partition, "its records do not decode (" + e.getMessage() + ")");
        }
    }

    static int recordCount(ByteBuffer batch) {
        return batch.getInt(batch.position() + RECORD_COUNT);
    }

    static long baseTimestamp(ByteBuffer batch) {
        return batch.getLong(batch.position() + BASE_TIMESTAMP);
    }

    static long maxTimestamp(ByteBuffer batch) {
        return batch.getLong(batch.position() + MAX_TIMESTAMP);
    }

    static long producerId(ByteBuffer batch) {
        return batch.getLong(batch.position() + PRODUCER_ID);
    }

    static short producerEpoch(ByteBuffer batch) {
        return batch.getShort(batch.position() + PRODUCER_EPOCH);
    }

    static int baseSequence(ByteBuffer batch) {
        return batch.getInt(batch.position() + BASE_SEQUENCE);
    }

    private static BrokerException refuse(ErrorCode code, String partition, String reason) {
        return new BrokerException(code, "partition " + partition + " refused a batch: " + reason);
    }
}
