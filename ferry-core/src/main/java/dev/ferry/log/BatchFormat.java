package dev.ferry.log;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Kafka's RecordBatch v2 as Ferry stores it: field positions, the structural checks a batch must
 * pass before its bytes are trusted, and the empty batch recovery puts where damaged bytes were.
 *
 * <p>A batch as it lies in a segment file (every field big-endian; the CRC32C covers everything
 * from the attributes to the end, not the base offset, length, leader epoch or magic):
 * <pre>
 *   0         8       12       16  17     21     23            27         35         43
 *   +---------+--------+--------+---+------+------+-------------+----------+----------+--
 *   | base    | batch  | leader | m | crc  | attr | last offset | base     | max      |
 *   | offset  | length | epoch  | 2 |      |      | delta       | time ms  | time ms  | ...
 *   +---------+--------+--------+---+------+------+-------------+----------+----------+--
 *   43          51       53         57        61
 *   +-----------+--------+----------+---------+----------------------------+
 *   | producer  | prod.  | base     | record  | records (varint-encoded)   |
 *   | id        | epoch  | sequence | count   | ...                        |
 *   +-----------+--------+----------+---------+----------------------------+
 * </pre>
 * The batch length counts the bytes after itself, so a batch occupies {@code 12 + length} bytes.
 * A batch as a producer sends it has {@code last offset delta == record count - 1}. On disk a batch
 * the {@link LogCleaner} rewrote may have gaps inside it: it keeps its base offset and last offset
 * delta (so batches stay back to back in offset order) but holds fewer records, each with its
 * original offset delta. So on disk {@code last offset delta >= record count - 1}.
 *
 * <p><b>The empty batch.</b> Where recovery removed damaged bytes it writes one (or, for more
 * than 2^31 offsets, several) header-only batch: length 49, record count 0, last offset delta =
 * number of offsets lost - 1, attributes 0, both timestamps -1, producer id -1, producer epoch -1,
 * base sequence -1, leader epoch -1, a valid CRC. Offsets stay contiguous; a reader decodes no
 * record from it, and a Kafka consumer skips it as it skips the empty batches compaction leaves.
 * A record count of 0 is accepted in exactly this shape (length 49, delta &gt;= 0), and never from
 * a producer.
 */
final class BatchFormat {
    /** Bytes before a batch's length-counted part: base offset (8) and length (4). */
    static final int LOG_OVERHEAD_BYTES = 12;
    /** A batch's fixed header, up to the first record. */
    static final int HEADER_BYTES = 61;
    static final int LENGTH_POSITION = 8;
    static final int LEADER_EPOCH_POSITION = 12;
    static final int MAGIC_POSITION = 16;
    static final int CRC_POSITION = 17;
    static final int ATTRIBUTES_POSITION = 21;
    static final int LAST_OFFSET_DELTA_POSITION = 23;
    static final int BASE_TIMESTAMP_POSITION = 27;
    static final int MAX_TIMESTAMP_POSITION = 35;
    static final int PRODUCER_ID_POSITION = 43;
    static final int RECORD_COUNT_POSITION = 57;
    /** The length field of a batch without records. */
    static final int EMPTY_BATCH_LENGTH = HEADER_BYTES - LOG_OVERHEAD_BYTES;
    /** The smallest v2 record: its length varint and six one-byte fields. */
    static final int RECORD_BYTES_MIN = 7;
    static final int COMPRESSION_MASK = 0x07;

    private BatchFormat() {
    }

    /**
     * The structural checks a batch header must pass before its bytes are trusted; null when they
     * pass. The CRC is checked separately, over the whole batch.
     *
     * @param header at least {@link #HEADER_BYTES} bytes from the batch's start, at index 0
     * @param expectedBaseOffset the offset the batch must start at, or -1 not to check it
     * @param bytesAvailable bytes from the batch's start to the end of what holds it
     * @param emptyAllowed whether the batch is read from disk, where the empty batch shape and the gaps
     *     compaction leaves inside a batch are acceptable, rather than from a producer
     */
    static String checkHeader(ByteBuffer header, long expectedBaseOffset, long bytesAvailable, boolean emptyAllowed) {
        int length = header.getInt(LENGTH_POSITION);
        byte magic = header.get(MAGIC_POSITION);
        if (magic != RecordBatch.MAGIC_VALUE_V2) {
            return "magic " + magic + ", only " + RecordBatch.MAGIC_VALUE_V2 + " is stored";
        }
        if (length < EMPTY_BATCH_LENGTH) {
            return "batch length " + length + " is below the v2 header size";
        }
        if (LOG_OVERHEAD_BYTES + (long) length > bytesAvailable) {
            return "torn batch: length " + length + " runs past the " + bytesAvailable + " bytes present";
        }
        int lastOffsetDelta = header.getInt(LAST_OFFSET_DELTA_POSITION);
        int recordCount = header.getInt(RECORD_COUNT_POSITION);
        if (recordCount == 0 && !emptyAllowed) {
            return "a batch without records";
        }
        if (!emptyAllowed && recordCount > 0 && lastOffsetDelta != recordCount - 1) {
            return "record count " + recordCount + " does not match last offset delta " + lastOffsetDelta;
        }
        if (!shapeIsValid(recordCount, lastOffsetDelta, length)) {
            return "record count " + recordCount + " does not match last offset delta " + lastOffsetDelta
                    + " and length " + length;
        }
        long baseOffset = header.getLong(0);
        if (baseOffset < 0) {
            return "negative base offset " + baseOffset;
        }
        if (expectedBaseOffset >= 0 && baseOffset != expectedBaseOffset) {
            return "base offset " + baseOffset + " where " + expectedBaseOffset + " was expected";
        }
        return null;
    }

    /** Records (with gaps between them if compaction removed some), or Ferry's empty batch. */
    static boolean shapeIsValid(int recordCount, int lastOffsetDelta, int length) {
        if (recordCount > 0) {
            return lastOffsetDelta >= recordCount - 1 && length > EMPTY_BATCH_LENGTH;
        }
        return recordCount == 0 && lastOffsetDelta >= 0 && length == EMPTY_BATCH_LENGTH;
    }

    /** Whether the batch's stored CRC32C matches its bytes; {@code batch} holds exactly one whole batch from index 0. */
    static boolean crcMatches(ByteBuffer batch) {
        CRC32C crc = new CRC32C();
        crc.update(batch.duplicate().position(ATTRIBUTES_POSITION));
        return (int) crc.getValue() == batch.getInt(CRC_POSITION);
    }

    /** The bytes of empty batches covering {@code firstOffset..lastOffset} (see the class comment). */
    static ByteBuffer emptyBatches(long firstOffset, long lastOffset) {
        assert lastOffset >= firstOffset;
        long offsets = lastOffset - firstOffset + 1;
        int batches = (int) ((offsets + Integer.MAX_VALUE - 1) / Integer.MAX_VALUE);
        ByteBuffer buffer = ByteBuffer.allocate(batches * HEADER_BYTES);
        for (long base = firstOffset; base <= lastOffset; ) {
            long last = Math.min(lastOffset, base + Integer.MAX_VALUE - 1);
            writeEmptyBatch(buffer, base, last);
            base = last + 1;
        }
        return buffer.flip();
    }

    /** How many bytes {@link #emptyBatches} takes for that range. */
    static int emptyBatchesBytes(long firstOffset, long lastOffset) {
        if (lastOffset < firstOffset) {
            return 0;
        }
        long offsets = lastOffset - firstOffset + 1;
        return (int) ((offsets + Integer.MAX_VALUE - 1) / Integer.MAX_VALUE) * HEADER_BYTES;
    }

    /**
     * The header of {@code batch} alone: an empty batch over the same offsets that keeps its
     * producer id, epoch, base sequence, timestamps, leader epoch and attributes. The cleaner
     * leaves one where all records of a producer's last batch went, so that the producer's state
     * (its last sequence) can still be rebuilt from the log, as Kafka's cleaner does.
     *
     * @param batch one whole batch from index 0
     */
    static ByteBuffer headerOnly(ByteBuffer batch) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.put(batch.duplicate().position(0).limit(HEADER_BYTES)).flip();
        header.putInt(LENGTH_POSITION, EMPTY_BATCH_LENGTH);
        header.putInt(RECORD_COUNT_POSITION, 0);
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate().position(ATTRIBUTES_POSITION));
        header.putInt(CRC_POSITION, (int) crc.getValue());
        return header;
    }

    private static void writeEmptyBatch(ByteBuffer buffer, long baseOffset, long lastOffset) {
        int start = buffer.position();
        buffer.putLong(baseOffset)
                .putInt(EMPTY_BATCH_LENGTH)
                .putInt(-1) // leader epoch
                .put(RecordBatch.MAGIC_VALUE_V2)
                .putInt(0) // CRC, below
                .putShort((short) 0) // attributes: no compression, create time, not transactional
                .putInt((int) (lastOffset - baseOffset))
                .putLong(-1L) // base timestamp
                .putLong(-1L) // max timestamp
                .putLong(-1L) // producer id
                .putShort((short) -1) // producer epoch
                .putInt(-1) // base sequence
                .putInt(0); // record count
        CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate().position(start + ATTRIBUTES_POSITION).limit(start + HEADER_BYTES));
        buffer.putInt(start + CRC_POSITION, (int) crc.getValue());
    }
}
