package dev.ferry.log;

import static dev.ferry.log.BatchFormat.HEADER_BYTES;
import static dev.ferry.log.BatchFormat.LAST_OFFSET_DELTA_POSITION;
import static dev.ferry.log.BatchFormat.LENGTH_POSITION;
import static dev.ferry.log.BatchFormat.LOG_OVERHEAD_BYTES;
import static dev.ferry.log.BatchFormat.MAGIC_POSITION;
import static dev.ferry.log.BatchFormat.MAX_TIMESTAMP_POSITION;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * One file of a log: the batches with offsets from {@link #baseOffset()} up to the next segment's
 * base, stored back to back exactly as Kafka's RecordBatch v2 encodes them ({@link BatchFormat}),
 * plus the segment's {@link OffsetIndex} and {@link TimeIndex}.
 *
 * <p>Files, named by the base offset in 20 digits so that names sort like offsets:
 * {@code 00000000000000000000.log} (the batches), {@code .index}, {@code .timeindex}, and, if
 * recovery ever removed damaged bytes from it, {@code .corrupt} ({@link CorruptFile}).
 *
 * <p>Thread safety: the owning {@link Log}'s writer calls the mutating methods ({@link #append},
 * {@link #truncateTo}, {@link #sealIndexes}); readers call {@link #locate}, {@link #file()} and
 * {@link #findOffsetByTimestamp} concurrently. Readers see only whole batches: the size they use
 * is published by {@link SegmentFile} after each write completes, and index entries after that.
 */
final class LogSegment {
    private final String logName;
    private final long baseOffset;
    private final Path logFile;
    private final Path offsetIndexFile;
    private final Path timeIndexFile;
    private final LogFileSystem fileSystem;
    private final int indexIntervalBytes;
    // Replaced only while loading, before any reader can see the segment.
    private SegmentFile file;
    private OffsetIndex offsetIndex;
    private TimeIndex timeIndex;
    /** Why {@link #loadIndexes} refused the index files, for the loader's log line. */
    private String indexFileProblem;

    // Writer-owned bookkeeping for the sparse indexes.
    private int bytesSinceLastIndexEntry;
    private long lastBatchBaseOffset = -1;

    private volatile long nextOffset;
    private volatile long maxTimestampMs = TimeIndex.NO_TIMESTAMP;

    LogSegment(String logName, Path directory, long baseOffset, SegmentFile file, LogFileSystem fileSystem,
            int indexIntervalBytes) {
        this.logName = logName;
        this.baseOffset = baseOffset;
        this.logFile = logFile(directory, baseOffset);
        this.offsetIndexFile = offsetIndexFile(directory, baseOffset);
        this.timeIndexFile = timeIndexFile(directory, baseOffset);
        this.fileSystem = fileSystem;
        this.file = file;
        this.indexIntervalBytes = indexIntervalBytes;
        this.offsetIndex = new OffsetIndex(baseOffset);
        this.timeIndex = new TimeIndex(baseOffset);
        this.nextOffset = baseOffset;
    }

    static String fileStem(long baseOffset) {
        String digits = Long.toString(baseOffset);
        return "0".repeat(20 - digits.length()) + digits;
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
    static LogSegment create(String logName, Path directory, long baseOffset, int indexIntervalBytes,
            FileHandleCache cache) throws IOException {
        SegmentFile file = SegmentFile.create(cache, logFile(directory, baseOffset));
        return new LogSegment(logName, directory, baseOffset, file, cache.fileSystem(), indexIntervalBytes);
    }

    /**
     * Takes the segment's indexes from its index files, trusting them if they pass their checks
     * against the segment's size and offset range. Loading only.
     *
     * @return false (indexes untouched) if a file is missing or damaged
     */
    boolean loadIndexes(long nextSegmentBaseOffset) {
        try {
            offsetIndex = OffsetIndex.load(fileSystem, offsetIndexFile, baseOffset, file.size(), nextSegmentBaseOffset);
            timeIndex = TimeIndex.load(fileSystem, timeIndexFile, baseOffset, file.size(), nextSegmentBaseOffset);
        } catch (IndexFile.DamagedException damaged) {
            offsetIndex = new OffsetIndex(baseOffset);
            timeIndex = new TimeIndex(baseOffset);
            indexFileProblem = damaged.getMessage();
            return false;
        }
        nextOffset = nextSegmentBaseOffset;
        maxTimestampMs = timeIndex.lastTimestampMs();
        return true;
    }

    /** Indexes one batch found by validation, at its position in the (repaired) file. Loading only. */
    void recovered(long batchBaseOffset, long lastOffset, int position, int batchBytes, long batchMaxTimestampMs) {
        indexBatch(batchBaseOffset, position, batchBytes, batchMaxTimestampMs);
        nextOffset = lastOffset + 1;
    }

    /** Swaps in the file that replaced this segment's after a repair. Loading only. */
    void replaceFile(SegmentFile repaired) {
        file.close();
        file = repaired;
    }

    /**
     * Appends batches already validated and given their offsets, in one write, then indexes them.
     * Writer only. If the write fails nothing is indexed and the segment's size is unchanged; the
     * caller cuts the file back with {@link #truncateTo}.
     *
     * @param lastOffset the offset of the last record in {@code batches}
     */
    void append(ByteBuffer batches, long lastOffset) throws IOException {
        int position = file.size();
        file.append(batches.duplicate());
        int start = batches.position();
        int end = batches.limit();
        for (int at = start; at < end; ) {
            int batchBytes = LOG_OVERHEAD_BYTES + batches.getInt(at + LENGTH_POSITION);
            indexBatch(batches.getLong(at), position + (at - start), batchBytes, batches.getLong(at + MAX_TIMESTAMP_POSITION));
            at += batchBytes;
        }
        nextOffset = lastOffset + 1;
    }

    /** Cuts the file back to {@code bytes}, after a failed write; the indexes never saw what is cut. Writer only. */
    void truncateTo(int bytes) throws IOException {
        file.truncate(bytes);
    }

    private void indexBatch(long batchBaseOffset, int position, int batchBytes, long batchMaxTimestampMs) {
        if (batchMaxTimestampMs > maxTimestampMs) {
            maxTimestampMs = batchMaxTimestampMs;
        }
        // An index entry holds an int offset relative to the base; only a gap filler (an empty batch
        // recovery writes for offsets a damaged segment lost) can start further on, and it goes
        // unindexed: a lookup there scans on from the last entry.
        if (bytesSinceLastIndexEntry >= indexIntervalBytes && position > 0
                && batchBaseOffset - baseOffset <= Integer.MAX_VALUE) {
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
     *
     * @throws LogCorruptedException if a header on the way is damaged (a length that leaves the
     *     file, a wrong magic, offsets that go backwards)
     */
    long locate(long offset) throws IOException {
        int limit = file.size();
        int position = offsetIndex.floorPosition(offset);
        ByteBuffer header = ByteBuffer.allocate(LAST_OFFSET_DELTA_POSITION + 4);
        long previousLastOffset = baseOffset - 1;
        while (position + HEADER_BYTES <= limit) {
            header.clear();
            file.readFully(header, position);
            int length = header.getInt(LENGTH_POSITION);
            long batchBaseOffset = header.getLong(0);
            long lastOffset = batchBaseOffset + header.getInt(LAST_OFFSET_DELTA_POSITION);
            if (length < BatchFormat.EMPTY_BATCH_LENGTH || position + LOG_OVERHEAD_BYTES + (long) length > limit
                    || header.get(MAGIC_POSITION) != RecordBatch.MAGIC_VALUE_V2
                    || batchBaseOffset <= previousLastOffset || lastOffset < batchBaseOffset) {
                throw new LogCorruptedException(logName, "the batch header at byte " + position + " of segment "
                        + logFile.getFileName() + " is damaged (length " + length + ", offsets " + batchBaseOffset + ".."
                        + lastOffset + "); offset " + offset + " cannot be read");
            }
            if (lastOffset >= offset) {
                return ((long) position << 32) | (LOG_OVERHEAD_BYTES + length);
            }
            previousLastOffset = lastOffset;
            position += LOG_OVERHEAD_BYTES + length;
        }
        return -1;
    }

    /** The first offset in this segment whose record's timestamp is at or after {@code timestampMs}. */
    OptionalLong findOffsetByTimestamp(long timestampMs) throws IOException {
        if (maxTimestampMs < timestampMs) {
            return OptionalLong.empty();
        }
        long startOffset = timeIndex.searchStartOffset(timestampMs);
        long location = locate(startOffset);
        if (location < 0) {
            return OptionalLong.empty();
        }
        int position = (int) (location >>> 32);
        int limit = file.size();
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        while (position + HEADER_BYTES <= limit) {
            header.clear();
            file.readFully(header, position);
            String problem = BatchFormat.checkHeader(header, -1, limit - position, true);
            if (problem != null) {
                throw new LogCorruptedException(logName, "searching for timestamp " + timestampMs + ", the batch at byte "
                        + position + " of segment " + logFile.getFileName() + ": " + problem);
            }
            int batchBytes = LOG_OVERHEAD_BYTES + header.getInt(LENGTH_POSITION);
            if (header.getLong(MAX_TIMESTAMP_POSITION) >= timestampMs) {
                ByteBuffer whole = ByteBuffer.allocate(batchBytes);
                file.readFully(whole, position);
                whole.flip();
                long found = firstAtOrAfter(whole, timestampMs, startOffset, position);
                if (found >= 0) {
                    return OptionalLong.of(found);
                }
            }
            position += batchBytes;
        }
        return OptionalLong.empty();
    }

    private long firstAtOrAfter(ByteBuffer batchBytes, long timestampMs, long startOffset, int position) {
        if (!BatchFormat.crcMatches(batchBytes)) {
            throw new LogCorruptedException(logName, "the batch at offset " + batchBytes.getLong(0)
                    + " fails its CRC check (byte " + position + " of segment " + logFile.getFileName() + ")");
        }
        try {
            MutableRecordBatch batch = MemoryRecords.readableRecords(batchBytes).batches().iterator().next();
            for (Record record : batch) {
                if (record.timestamp() >= timestampMs && record.offset() >= startOffset) {
                    return record.offset();
                }
            }
        } catch (KafkaException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new LogCorruptedException(logName, "the batch at offset " + batchBytes.getLong(0)
                    + " holds records that do not decode: " + e.getMessage());
        }
        return -1;
    }

    /** Forces written data to disk (fdatasync: the file's length is synced with it). */
    void flush() throws IOException {
        file.force();
    }

    /** Adds the final time index entry (the segment's maximum timestamp, which retention reads on load). Writer only. */
    void sealIndexes() {
        if (lastBatchBaseOffset >= 0) {
            timeIndex.maybeAppend(maxTimestampMs, lastBatchBaseOffset);
        }
    }

    /** Writes both index files (each atomically, fsynced). */
    void writeIndexes() throws IOException {
        offsetIndex.writeTo(fileSystem, offsetIndexFile);
        timeIndex.writeTo(fileSystem, timeIndexFile);
    }

    String indexFileProblem() {
        return indexFileProblem;
    }

    /** Whether both index files exist and pass their checks (without using them). */
    boolean indexFilesIntact(long nextSegmentBaseOffset) {
        try {
            OffsetIndex.load(fileSystem, offsetIndexFile, baseOffset, file.size(), nextSegmentBaseOffset);
            TimeIndex.load(fileSystem, timeIndexFile, baseOffset, file.size(), nextSegmentBaseOffset);
            return true;
        } catch (IndexFile.DamagedException damaged) {
            return false;
        }
    }

    /** Keeps the file readable through an open handle after {@link #deleteFiles} removes its name. */
    void holdOpenForReaders() throws IOException {
        file.holdOpen();
    }

    void close() {
        file.close();
    }

    /** Deletes the segment's files: the kept-aside damage and the indexes first, the data last. */
    void deleteFiles() throws IOException {
        fileSystem.deleteIfExists(CorruptFile.path(logFile.getParent(), baseOffset));
        fileSystem.deleteIfExists(offsetIndexFile);
        fileSystem.deleteIfExists(timeIndexFile);
        fileSystem.deleteIfExists(logFile);
    }

    long baseOffset() {
        return baseOffset;
    }

    /** One past the last offset written to this segment. */
    long nextOffset() {
        return nextOffset;
    }

    int sizeInBytes() {
        return file.size();
    }

    /** The largest record timestamp in the segment, or -1 when it holds none. */
    long maxTimestampMs() {
        return maxTimestampMs;
    }

    Path logFile() {
        return logFile;
    }

    SegmentFile file() {
        return file;
    }

    OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    TimeIndex timeIndex() {
        return timeIndex;
    }

    String logName() {
        return logName;
    }

    @Override
    public String toString() {
        return "LogSegment{" + logName + "/" + logFile.getFileName() + ", next=" + nextOffset + ", bytes="
                + file.size() + '}';
    }
}
