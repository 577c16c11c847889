package dev.ferry.log;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file of a log: the batches with offsets from {@link #baseOffset()} up to the next segment's
 * base, stored back to back exactly as Kafka's RecordBatch v2 encodes them, plus the segment's
 * {@link OffsetIndex} and {@link TimeIndex}.
 *
 * <p>Files, named by the base offset in 20 digits so that names sort like offsets:
 * {@code 00000000000000000000.log} (the batches), {@code .index}, {@code .timeindex}.
 *
 * <p>A batch as it lies in the {@code .log} file (Kafka's v2 layout; every field big-endian; the
 * CRC32C covers everything from attributes to the end):
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
 *
 * <p>Thread safety: the owning {@link Log}'s writer calls the mutating methods ({@link #append},
 * {@link #seal}); readers call {@link #locate}, {@link #slice} and {@link #findOffsetByTimestamp}
 * concurrently. Readers see only whole batches: the file size they use is published by
 * {@link FileRecords} after each write completes, and index entries after that.
 */
final class LogSegment {
    private static final Logger LOG = LoggerFactory.getLogger(LogSegment.class);

    /** Bytes before a batch's length-counted part: base offset (8) and length (4). */
    static final int LOG_OVERHEAD_BYTES = 12;
    static final int BATCH_HEADER_BYTES = DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
    static final int LENGTH_POSITION = 8;
    static final int MAGIC_POSITION = 16;
    static final int LAST_OFFSET_DELTA_POSITION = 23;
    static final int MAX_TIMESTAMP_POSITION = 35;
    static final int RECORD_COUNT_POSITION = 57;

    private final String logName;
    private final long baseOffset;
    private final Path logFile;
    private final Path offsetIndexFile;
    private final Path timeIndexFile;
    private final FileRecords records;
    private final int indexIntervalBytes;
    private OffsetIndex offsetIndex;
    private TimeIndex timeIndex;

    // Writer-owned bookkeeping for the sparse indexes.
    private int bytesSinceLastIndexEntry;
    private long lastBatchBaseOffset = -1;

    private volatile long nextOffset;
    private volatile long maxTimestampMs = TimeIndex.NO_TIMESTAMP;

    private LogSegment(String logName, Path directory, long baseOffset, FileRecords records, int indexIntervalBytes) {
        this.logName = logName;
        this.baseOffset = baseOffset;
        this.logFile = logFile(directory, baseOffset);
        this.offsetIndexFile = offsetIndexFile(directory, baseOffset);
        this.timeIndexFile = timeIndexFile(directory, baseOffset);
        this.records = records;
        this.indexIntervalBytes = indexIntervalBytes;
        this.offsetIndex = new OffsetIndex(baseOffset);
        this.timeIndex = new TimeIndex(baseOffset);
        this.nextOffset = baseOffset;
    }

    static String fileStem(long baseOffset) {
        return String.format("%020d", baseOffset);
    }

    static Path logFile(Path directory, long baseOffset) {
        return directory.resolve(fileStem(baseOffset) + ".log");
    }

    static Path offsetIndexFile(Path directory, long baseOffset) {
        return directory.resolve(fileStem(baseOffset) + ".index");
    }

    static Path timeIndexFile(Path directory, long baseOffset) {
        return directory.resolve(fileStem(baseOffset) + ".timeindex");
    }

    /** Creates a new, empty segment; fails if its file already exists. */
    static LogSegment create(String logName, Path directory, long baseOffset, int indexIntervalBytes) throws IOException {
        Path file = logFile(directory, baseOffset);
        Files.createFile(file);
        FileRecords records = FileRecords.open(file.toFile(), true, true, 0, false);
        return new LogSegment(logName, directory, baseOffset, records, indexIntervalBytes);
    }

    /**
     * Opens a sealed segment, trusting its index files if they pass their checks and rebuilding
     * them (with a full CRC scan) if not.
     *
     * @param nextSegmentBaseOffset the base offset of the following segment, which is where this one must end
     */
    static LogSegment openSealed(String logName, Path directory, long baseOffset, long nextSegmentBaseOffset,
            int indexIntervalBytes) throws IOException {
        FileRecords records = FileRecords.open(logFile(directory, baseOffset).toFile(), false, true, 0, false);
        LogSegment segment = new LogSegment(logName, directory, baseOffset, records, indexIntervalBytes);
        try {
            segment.offsetIndex = OffsetIndex.load(segment.offsetIndexFile, baseOffset, records.sizeInBytes(),
                    nextSegmentBaseOffset);
            segment.timeIndex = TimeIndex.load(segment.timeIndexFile, baseOffset, nextSegmentBaseOffset);
            segment.nextOffset = nextSegmentBaseOffset;
            segment.maxTimestampMs = segment.timeIndex.lastTimestampMs();
            return segment;
        } catch (IndexFile.DamagedException damaged) {
            LOG.warn("Log '{}': rebuilding the indexes of sealed segment {}: index file {}", logName,
                    segment.logFile.getFileName(), damaged.getMessage());
        }
        segment.offsetIndex = new OffsetIndex(baseOffset);
        segment.timeIndex = new TimeIndex(baseOffset);
        ScanResult scan = segment.scan();
        if (scan.validBytes != records.sizeInBytes() || segment.nextOffset != nextSegmentBaseOffset) {
            records.closeHandlers();
            // Truncating here would open a gap in the middle of the log; an operator must decide.
            throw new LogCorruptedException(logName, "sealed segment " + segment.logFile.getFileName()
                    + " is damaged at byte " + scan.validBytes + " (" + scan.stopReason + "); it should end at offset "
                    + nextSegmentBaseOffset + " but its valid batches end at " + segment.nextOffset);
        }
        segment.sealIndexes();
        segment.writeIndexes();
        return segment;
    }

    /**
     * Opens the newest segment after a restart: validates every batch (length, magic, CRC, offset
     * continuity), truncates the file at the first one that fails, and rebuilds both indexes.
     */
    static LogSegment openAndRecover(String logName, Path directory, long baseOffset, int indexIntervalBytes)
            throws IOException {
        FileRecords records = FileRecords.open(logFile(directory, baseOffset).toFile(), true, true, 0, false);
        LogSegment segment = new LogSegment(logName, directory, baseOffset, records, indexIntervalBytes);
        int sizeBefore = records.sizeInBytes();
        ScanResult scan = segment.scan();
        if (scan.validBytes < sizeBefore) {
            LOG.warn("Log '{}': truncating segment {} from {} to {} bytes at offset {}: {}", logName,
                    segment.logFile.getFileName(), sizeBefore, scan.validBytes, segment.nextOffset, scan.stopReason);
            records.truncateTo(scan.validBytes);
            records.channel().force(true);
        }
        return segment;
    }

    /**
     * Appends batches already validated and given their offsets, in one write, then indexes them.
     * Writer only. If the write fails the file is cut back to where it was, so nothing half
     * written stays behind.
     *
     * @param lastOffset the offset of the last record in {@code batches}
     */
    void append(MemoryRecords batches, long lastOffset) throws IOException {
        int position = records.sizeInBytes();
        try {
            records.append(batches);
        } catch (IOException e) {
            records.truncateTo(position);
            throw e;
        }
        ByteBuffer buffer = batches.buffer();
        int start = buffer.position();
        int end = buffer.limit();
        for (int at = start; at < end; ) {
            int batchBytes = LOG_OVERHEAD_BYTES + buffer.getInt(at + LENGTH_POSITION);
            indexBatch(buffer.getLong(at), position + (at - start), batchBytes, buffer.getLong(at + MAX_TIMESTAMP_POSITION));
            at += batchBytes;
        }
        nextOffset = lastOffset + 1;
    }

    private void indexBatch(long batchBaseOffset, int position, int batchBytes, long batchMaxTimestampMs) {
        if (batchMaxTimestampMs > maxTimestampMs) {
            maxTimestampMs = batchMaxTimestampMs;
        }
        if (bytesSinceLastIndexEntry >= indexIntervalBytes && position > 0) {
            offsetIndex.append(batchBaseOffset, position);
            timeIndex.maybeAppend(maxTimestampMs, batchBaseOffset);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batchBytes;
        lastBatchBaseOffset = batchBaseOffset;
    }

    /**
     * Where the batch holding {@code offset} starts and how long it is, packed as
     * {@code position << 32 | batchBytes}; -1 if the segment holds no such batch (yet).
     * A scan of batch headers from the closest offset index entry.
     */
    long locate(long offset) throws IOException {
        int limit = records.sizeInBytes();
        int position = offsetIndex.floorPosition(offset);
        ByteBuffer header = ByteBuffer.allocate(LAST_OFFSET_DELTA_POSITION + 4);
        FileChannel channel = records.channel();
        while (position + BATCH_HEADER_BYTES <= limit) {
            header.clear();
            readFully(channel, header, position);
            int batchBytes = LOG_OVERHEAD_BYTES + header.getInt(LENGTH_POSITION);
            long lastOffset = header.getLong(0) + header.getInt(LAST_OFFSET_DELTA_POSITION);
            if (lastOffset >= offset) {
                return ((long) position << 32) | batchBytes;
            }
            position += batchBytes;
        }
        return -1;
    }

    /** A zero-copy view of up to {@code bytes} bytes from {@code position}, never past the written end. */
    FileRecords slice(int position, int bytes) throws IOException {
        return records.slice(position, bytes);
    }

    /** The first offset in this segment whose record's timestamp is at or after {@code timestampMs}. */
    OptionalLong findOffsetByTimestamp(long timestampMs) throws IOException {
        if (maxTimestampMs < timestampMs) {
            return OptionalLong.empty();
        }
        long startOffset = timeIndex.searchStartOffset(timestampMs);
        int position = offsetIndex.floorPosition(startOffset);
        FileRecords.TimestampAndOffset found = records.searchForTimestamp(timestampMs, position, startOffset);
        return found == null ? OptionalLong.empty() : OptionalLong.of(found.offset);
    }

    /** Forces written data to disk (fdatasync: the file's length is synced with it). */
    void flush() throws IOException {
        records.channel().force(false);
    }

    /** Makes this segment read-only in spirit: final time entry, data fsynced, index files written. Writer only. */
    void seal() throws IOException {
        sealIndexes();
        flush();
        writeIndexes();
    }

    private void sealIndexes() {
        if (lastBatchBaseOffset >= 0) {
            timeIndex.maybeAppend(maxTimestampMs, lastBatchBaseOffset);
        }
    }

    /** Writes both index files (each atomically, fsynced). */
    void writeIndexes() throws IOException {
        offsetIndex.writeTo(offsetIndexFile);
        timeIndex.writeTo(timeIndexFile);
    }

    void close() throws IOException {
        records.closeHandlers();
    }

    void deleteFiles() throws IOException {
        Files.deleteIfExists(logFile);
        Files.deleteIfExists(offsetIndexFile);
        Files.deleteIfExists(timeIndexFile);
    }

    long baseOffset() {
        return baseOffset;
    }

    /** One past the last offset written to this segment. */
    long nextOffset() {
        return nextOffset;
    }

    int sizeInBytes() {
        return records.sizeInBytes();
    }

    /** The largest record timestamp in the segment, or -1 when it holds none. */
    long maxTimestampMs() {
        return maxTimestampMs;
    }

    Path logFile() {
        return logFile;
    }

    OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    TimeIndex timeIndex() {
        return timeIndex;
    }

    FileChannel channel() {
        return records.channel();
    }

    /**
     * Walks the file batch by batch from the start, checking each batch's length, magic, CRC and
     * that its offsets continue the previous batch's, and indexes every good batch. Stops at the
     * first batch that fails and reports how many leading bytes are good.
     */
    private ScanResult scan() throws IOException {
        FileChannel channel = records.channel();
        int size = records.sizeInBytes();
        ByteBuffer batchBuffer = ByteBuffer.allocate(Math.max(BATCH_HEADER_BYTES, Math.min(size, 64 * 1024)));
        int position = 0;
        long expectedOffset = baseOffset;
        while (position < size) {
            if (size - position < BATCH_HEADER_BYTES) {
                return new ScanResult(position, "torn batch header: " + (size - position) + " bytes left");
            }
            ByteBuffer header = batchBuffer.clear().limit(BATCH_HEADER_BYTES);
            readFully(channel, header, position);
            String problem = checkHeader(header, expectedOffset, size - position);
            if (problem != null) {
                return new ScanResult(position, problem);
            }
            int batchBytes = LOG_OVERHEAD_BYTES + header.getInt(LENGTH_POSITION);
            if (batchBuffer.capacity() < batchBytes) {
                batchBuffer = ByteBuffer.allocate(batchBytes);
            }
            ByteBuffer whole = batchBuffer.clear().limit(batchBytes);
            readFully(channel, whole, position);
            whole.flip();
            MutableRecordBatch batch = MemoryRecords.readableRecords(whole).batches().iterator().next();
            if (!batch.isValid()) {
                return new ScanResult(position, "CRC mismatch in the batch at offset " + expectedOffset);
            }
            indexBatch(batch.baseOffset(), position, batchBytes, batch.maxTimestamp());
            expectedOffset = batch.lastOffset() + 1;
            nextOffset = expectedOffset;
            position += batchBytes;
        }
        return new ScanResult(position, "end of file");
    }

    /**
     * The structural checks a batch header must pass before its bytes are trusted, shared by
     * recovery and by {@link Log#appendBatch}; null when they pass.
     *
     * @param header at least {@link #BATCH_HEADER_BYTES} bytes from the batch's start, at index 0
     * @param expectedBaseOffset the offset the batch must start at, or -1 not to check it
     * @param bytesAvailable bytes from the batch's start to the end of what holds it
     */
    static String checkHeader(ByteBuffer header, long expectedBaseOffset, long bytesAvailable) {
        int length = header.getInt(LENGTH_POSITION);
        byte magic = header.get(MAGIC_POSITION);
        if (magic != RecordBatch.MAGIC_VALUE_V2) {
            return "magic " + magic + ", only " + RecordBatch.MAGIC_VALUE_V2 + " is stored";
        }
        if (length < BATCH_HEADER_BYTES - LOG_OVERHEAD_BYTES) {
            return "batch length " + length + " is below the v2 header size";
        }
        if (LOG_OVERHEAD_BYTES + (long) length > bytesAvailable) {
            return "torn batch: length " + length + " runs past the " + bytesAvailable + " bytes present";
        }
        int lastOffsetDelta = header.getInt(LAST_OFFSET_DELTA_POSITION);
        int recordCount = header.getInt(RECORD_COUNT_POSITION);
        if (recordCount <= 0 || lastOffsetDelta != recordCount - 1) {
            return "record count " + recordCount + " does not match last offset delta " + lastOffsetDelta;
        }
        long baseOffsetFound = header.getLong(0);
        if (expectedBaseOffset >= 0 && baseOffsetFound != expectedBaseOffset) {
            return "base offset " + baseOffsetFound + " where " + expectedBaseOffset + " was expected";
        }
        return null;
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new EOFException("end of file at " + at + " with " + buffer.remaining() + " bytes still to read");
            }
            at += read;
        }
    }

    @Override
    public String toString() {
        return "LogSegment{" + logName + "/" + logFile.getFileName() + ", next=" + nextOffset + ", bytes="
                + records.sizeInBytes() + '}';
    }

    private static final class ScanResult {
        final int validBytes;
        final String stopReason;

        ScanResult(int validBytes, String stopReason) {
            this.validBytes = validBytes;
            this.stopReason = stopReason;
        }
    }
}
