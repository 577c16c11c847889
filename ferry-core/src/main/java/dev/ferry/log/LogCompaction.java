package dev.ferry.log;

import static dev.ferry.log.BatchFormat.HEADER_BYTES;
import static dev.ferry.log.BatchFormat.LENGTH_POSITION;
import static dev.ferry.log.BatchFormat.LOG_OVERHEAD_BYTES;
import static dev.ferry.log.BatchFormat.MAX_TIMESTAMP_POSITION;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cleaning of one log: keeps the latest record of each key in its sealed segments.
 *
 * <p><b>The two passes.</b> The log's sealed segments split at the <i>first dirty offset</i> (where
 * the previous cleaning stopped, kept in the {@code cleaner-offset-checkpoint} file) into a clean
 * head, already holding one record per key, and a dirty tail. Only segments whose newest record is
 * at least {@code min.compaction.lag.ms} old are cleanable; the active segment never is. First the
 * dirty cleanable segments are read into a map from key to the offset of its latest record (up to
 * a memory bound; what does not fit waits for the next cleaning). Then every cleanable segment up
 * to where the map ends is rewritten without the records a later one with the same key replaces,
 * and without tombstones older than {@code delete.retention.ms}.
 *
 * <p><b>What stays as it is.</b> Records keep their offsets: a batch with some records left keeps
 * its base offset, last offset delta, producer id, epoch and sequence, leader epoch, attributes
 * and compression, and gets a new CRC; a run of batches with none left becomes one empty batch
 * over their offsets ({@link BatchFormat}), so batches stay back to back and every reader skips
 * the gap. Records without a key, control batches (transaction markers) and transactional batches
 * are kept whole and never replace anything: until the cleaner knows which transactions aborted,
 * a committed value must not give way to an aborted one. The last batch of each producer in the
 * cleaned range keeps at least its header (an empty batch with the producer's id, epoch and
 * sequence), so that its producer state can be rebuilt from the log after a crash.
 *
 * <p><b>Swapping in.</b> Each rewritten segment replaces its original one at a time through
 * {@link Log#swapInCleaned}, crash-safe as {@link SegmentSwap} describes; a segment from which
 * nothing is removed is left alone. The checkpoint moves only after every swap, so a crash
 * repeats at most a cleaning, which is idempotent.
 *
 * <p>Runs on the cleaner's thread; it reads segments as any reader does and never waits for the
 * writer.
 */
final class LogCompaction {
    private static final Logger LOG = LoggerFactory.getLogger(LogCompaction.class);
    static final String CHECKPOINT_FILE = "cleaner-offset-checkpoint";
    private static final int READ_CHUNK_BYTES = 1024 * 1024;
    private static final int WRITE_CHUNK_BYTES = 1024 * 1024;
    /** What a key map entry costs besides the key's bytes: the entry, the buffer object, the boxed offset. */
    private static final int KEY_MAP_ENTRY_OVERHEAD_BYTES = 96;

    private final Log log;
    private final CompactionSettings settings;
    private final long nowMs;
    private final long keyMapBytesMax;
    private final BooleanSupplier cancelled;
    private final Runnable beforeSwapInstall;

    LogCompaction(Log log, CompactionSettings settings, long nowMs, long keyMapBytesMax, BooleanSupplier cancelled,
            Runnable beforeSwapInstall) {
        this.log = log;
        this.settings = settings;
        this.nowMs = nowMs;
        this.keyMapBytesMax = keyMapBytesMax;
        this.cancelled = cancelled;
        this.beforeSwapInstall = beforeSwapInstall;
    }

    /** What one cleaning did; {@link #NOTHING} when the log was not due. */
    record Result(int segmentsRewritten, long bytesCleaned, long bytesWritten, long recordsRemoved, long firstDirtyOffset) {
        static final Result NOTHING = new Result(0, 0, 0, 0, -1);
    }

    /** The dirty share of the cleanable bytes now, 0 when nothing is cleanable; what the cleaner ranks logs by. */
    double dirtyRatio() {
        List<LogSegment> cleanable = cleanableSegments();
        long firstDirty = firstDirtyOffset();
        long clean = 0;
        long dirty = 0;
        for (LogSegment segment : cleanable) {
            if (segment.nextOffset() <= firstDirty) {
                clean += segment.sizeInBytes();
            } else {
                dirty += segment.sizeInBytes();
            }
        }
        return dirty == 0 ? 0 : (double) dirty / (clean + dirty);
    }

    /** Cleans if the dirty ratio has reached {@code min.cleanable.dirty.ratio}. */
    Result cleanIfDirty() throws IOException {
        double ratio = dirtyRatio();
        if (ratio == 0 || ratio < settings.minCleanableDirtyRatio()) {
            return Result.NOTHING;
        }
        return clean();
    }

    /** Cleans the cleanable segments, whatever the dirty ratio. */
    Result clean() throws IOException {
        List<LogSegment> cleanable = cleanableSegments();
        long firstDirty = firstDirtyOffset();
        Map<ByteBuffer, Long> latest = new HashMap<>();
        Map<Long, Long> producersLastBatch = new HashMap<>();
        long mapBytes = 0;
        long mappedUpTo = firstDirty;
        long bytesCleaned = 0;
        for (LogSegment segment : cleanable) {
            if (segment.nextOffset() <= firstDirty) {
                noteProducers(segment, producersLastBatch); // the clean head: headers only
                continue;
            }
            if (mapBytes >= keyMapBytesMax && mappedUpTo > firstDirty) {
                break; // the rest waits for the next cleaning
            }
            SegmentReader reader = new SegmentReader(segment);
            for (ByteBuffer batchBytes; (batchBytes = reader.next()) != null; ) {
                checkCancelled();
                noteProducer(batchBytes, producersLastBatch);
                MutableRecordBatch batch = decode(segment, batchBytes);
                if (batch == null || batch.isControlBatch() || batch.isTransactional()) {
                    continue;
                }
                for (Record record : batch) {
                    if (record.hasKey()) {
                        ByteBuffer key = copy(record.key());
                        if (latest.put(key, record.offset()) == null) {
                            mapBytes += key.capacity() + KEY_MAP_ENTRY_OVERHEAD_BYTES;
                        }
                    }
                }
            }
            mappedUpTo = segment.nextOffset();
        }
        if (mappedUpTo <= firstDirty) {
            return Result.NOTHING;
        }
        int rewritten = 0;
        long bytesWritten = 0;
        long removed = 0;
        for (LogSegment segment : cleanable) {
            if (segment.baseOffset() >= mappedUpTo) {
                break;
            }
            checkCancelled();
            SegmentRewrite rewrite = new SegmentRewrite(segment, latest, producersLastBatch);
            rewrite.run();
            bytesCleaned += segment.sizeInBytes();
            if (rewrite.removed == 0) {
                log.cache().fileSystem().deleteIfExists(SegmentSwap.cleanedFile(log.directory(), segment.baseOffset()));
                continue;
            }
            if (!log.swapInCleaned(segment, rewrite.batches, beforeSwapInstall)) {
                return new Result(rewritten, bytesCleaned, bytesWritten, removed, firstDirty); // deleted or closed meanwhile
            }
            rewritten++;
            bytesWritten += rewrite.written;
            removed += rewrite.removed;
        }
        writeCheckpoint(mappedUpTo);
        if (rewritten > 0) {
            LOG.info("Log '{}': compacted {} segments below offset {}: {} records removed, {} bytes now", log.name(),
                    rewritten, mappedUpTo, removed, bytesWritten);
        }
        return new Result(rewritten, bytesCleaned, bytesWritten, removed, firstDirty);
    }

    private void noteProducers(LogSegment segment, Map<Long, Long> producersLastBatch) throws IOException {
        SegmentReader reader = new SegmentReader(segment);
        for (ByteBuffer batchBytes; (batchBytes = reader.next()) != null; ) {
            checkCancelled();
            noteProducer(batchBytes, producersLastBatch);
        }
    }

    /** Remembers the batch as its producer's latest so far (batches come in offset order). */
    private static void noteProducer(ByteBuffer batchBytes, Map<Long, Long> producersLastBatch) {
        long producerId = batchBytes.getLong(BatchFormat.PRODUCER_ID_POSITION);
        if (producerId >= 0) {
            producersLastBatch.put(producerId, batchBytes.getLong(0));
        }
    }

    /** The sealed segments old enough to clean: from the oldest up to the first one holding a record too young. */
    private List<LogSegment> cleanableSegments() {
        long horizonMs = nowMs - settings.minCompactionLagMs();
        List<LogSegment> cleanable = new ArrayList<>();
        for (LogSegment segment : log.sealedSegments()) {
            if (settings.minCompactionLagMs() > 0 && segment.maxTimestampMs() > horizonMs) {
                break;
            }
            cleanable.add(segment);
        }
        return cleanable;
    }

    private void checkCancelled() {
        if (cancelled.getAsBoolean() || log.isClosed()) {
            throw new LogClosedException(log.name(), "clean it");
        }
    }

    /** Where the previous cleaning stopped, from the checkpoint file; the log start if none. */
    long firstDirtyOffset() {
        Path file = log.directory().resolve(CHECKPOINT_FILE);
        LogFileSystem fileSystem = log.cache().fileSystem();
        long offset = 0;
        if (fileSystem.exists(file)) {
            try (FileChannel channel = fileSystem.open(file, StandardOpenOption.READ)) {
                ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(channel.size(), 256));
                channel.read(bytes, 0);
                String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8).trim();
                if (text.startsWith("first_dirty_offset: ")) {
                    offset = Long.parseLong(text.substring("first_dirty_offset: ".length()).trim());
                }
            } catch (IOException | NumberFormatException e) {
                LOG.warn("Log '{}': {} unreadable ({}); cleaning from the start", log.name(), CHECKPOINT_FILE, e.toString());
            }
        }
        return Math.max(offset, log.logStartOffset());
    }

    private void writeCheckpoint(long firstDirtyOffset) throws IOException {
        LogFileSystem fileSystem = log.cache().fileSystem();
        Path file = log.directory().resolve(CHECKPOINT_FILE);
        Path temporary = file.resolveSibling(CHECKPOINT_FILE + ".tmp");
        try (FileChannel channel = fileSystem.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(("first_dirty_offset: " + firstDirtyOffset + "\n").getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes, bytes.position());
            }
            channel.force(true);
        }
        fileSystem.moveAtomically(temporary, file);
        fileSystem.fsyncDirectory(log.directory());
    }

    private static ByteBuffer copy(ByteBuffer key) {
        ByteBuffer copy = ByteBuffer.allocate(key.remaining());
        copy.put(key.duplicate()).flip();
        return copy;
    }

    /** The batch decoded, or null for an empty batch (no records: a gap). */
    private MutableRecordBatch decode(LogSegment segment, ByteBuffer batchBytes) {
        if (batchBytes.getInt(BatchFormat.RECORD_COUNT_POSITION) == 0) {
            return null;
        }
        try {
            return MemoryRecords.readableRecords(batchBytes).batches().iterator().next();
        } catch (KafkaException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new LogCorruptedException(log.name(), "the batch at offset " + batchBytes.getLong(0) + " of segment "
                    + segment.logFile().getFileName() + " does not decode: " + e.getMessage());
        }
    }

    /** The batches of one sealed segment in order, each checked (header, offsets, CRC) before it is used. */
    private final class SegmentReader {
        private final LogSegment segment;
        private final SegmentFile file;
        private final int size;
        private ByteBuffer chunk = ByteBuffer.allocate(0);
        private long chunkStart;
        private int position;
        private long expectedBaseOffset;

        SegmentReader(LogSegment segment) {
            this.segment = segment;
            this.file = segment.file();
            this.size = file.size();
            this.expectedBaseOffset = segment.baseOffset();
        }

        /** The next batch, alone in a buffer from index 0 (valid until the next call); null after the last. */
        ByteBuffer next() throws IOException {
            if (position >= size) {
                return null;
            }
            if (size - position < HEADER_BYTES) {
                throw damaged("a torn batch at the end");
            }
            load(position, HEADER_BYTES);
            int batchBytes = LOG_OVERHEAD_BYTES + chunk.getInt((int) (position - chunkStart) + LENGTH_POSITION);
            if (batchBytes < HEADER_BYTES || batchBytes > size - position) {
                throw damaged("a batch length of " + batchBytes);
            }
            load(position, batchBytes);
            int at = (int) (position - chunkStart);
            ByteBuffer batch = chunk.slice(at, batchBytes);
            String problem = BatchFormat.checkHeader(batch, expectedBaseOffset, batchBytes, true);
            if (problem == null && !BatchFormat.crcMatches(batch)) {
                problem = "a CRC mismatch";
            }
            if (problem != null) {
                throw damaged(problem);
            }
            expectedBaseOffset = batch.getLong(0) + batch.getInt(BatchFormat.LAST_OFFSET_DELTA_POSITION) + 1L;
            position += batchBytes;
            return batch;
        }

        private void load(int from, int bytes) throws IOException {
            if (from >= chunkStart && from + bytes <= chunkStart + chunk.limit()) {
                return;
            }
            if (chunk.capacity() < bytes) {
                chunk = ByteBuffer.allocate(Math.max(bytes, READ_CHUNK_BYTES));
            } else if (chunk.capacity() == 0) {
                chunk = ByteBuffer.allocate(READ_CHUNK_BYTES);
            }
            chunk.clear().limit((int) Math.min(chunk.capacity(), size - from));
            file.readFully(chunk, from);
            chunk.flip();
            chunkStart = from;
        }

        private LogCorruptedException damaged(String problem) {
            return new LogCorruptedException(log.name(), "cleaning segment " + segment.logFile().getFileName() + ": "
                    + problem + " at byte " + position + "; the segment is left as it is");
        }
    }

    /** Writes one segment's cleaned copy to its {@code .cleaned} file, fsynced. */
    private final class SegmentRewrite {
        private final LogSegment segment;
        private final Map<ByteBuffer, Long> latest;
        private final Map<Long, Long> producersLastBatch;
        final List<Log.CleanedBatch> batches = new ArrayList<>();
        long removed;
        int written;
        private long gapFirst = -1;
        private long gapLast = -1;
        private final ByteBuffer out = ByteBuffer.allocate(WRITE_CHUNK_BYTES);
        private FileChannel channel;
        private long channelPosition;

        SegmentRewrite(LogSegment segment, Map<ByteBuffer, Long> latest, Map<Long, Long> producersLastBatch) {
            this.segment = segment;
            this.latest = latest;
            this.producersLastBatch = producersLastBatch;
        }

        void run() throws IOException {
            Path cleaned = SegmentSwap.cleanedFile(log.directory(), segment.baseOffset());
            try (FileChannel opened = log.cache().fileSystem().open(cleaned, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                channel = opened;
                SegmentReader reader = new SegmentReader(segment);
                for (ByteBuffer batchBytes; (batchBytes = reader.next()) != null; ) {
                    checkCancelled();
                    rewrite(batchBytes);
                }
                closeGap();
                drain();
                if (removed > 0) {
                    channel.force(true);
                }
            }
        }

        private void rewrite(ByteBuffer batchBytes) throws IOException {
            long baseOffset = batchBytes.getLong(0);
            long lastOffset = baseOffset + batchBytes.getInt(BatchFormat.LAST_OFFSET_DELTA_POSITION);
            MutableRecordBatch batch = decode(segment, batchBytes);
            boolean producersLast = isProducersLastBatch(batchBytes);
            if (batch == null) {
                if (producersLast) {
                    keep(batchBytes); // already cut to its header by an earlier cleaning
                } else {
                    if (batchBytes.getLong(BatchFormat.PRODUCER_ID_POSITION) >= 0) {
                        removed++; // a producer's header that a later batch of it now stands for
                    }
                    extendGap(baseOffset, lastOffset);
                }
                return;
            }
            if (batch.isControlBatch() || batch.isTransactional()) {
                keep(batchBytes);
                return;
            }
            List<Record> kept = new ArrayList<>();
            int count = 0;
            for (Record record : batch) {
                count++;
                if (stays(record)) {
                    kept.add(record);
                }
            }
            removed += count - kept.size();
            if (kept.size() == count) {
                keep(batchBytes);
            } else if (kept.isEmpty() && producersLast) {
                keep(BatchFormat.headerOnly(batchBytes));
            } else if (kept.isEmpty()) {
                extendGap(baseOffset, lastOffset);
            } else {
                keep(rebuild(batch, kept, batchBytes.remaining()));
            }
        }

        private boolean isProducersLastBatch(ByteBuffer batchBytes) {
            long producerId = batchBytes.getLong(BatchFormat.PRODUCER_ID_POSITION);
            return producerId >= 0 && producersLastBatch.getOrDefault(producerId, -1L) == batchBytes.getLong(0);
        }

        /** Whether a record survives: no key, or the latest of its key and not a tombstone past its retention. */
        private boolean stays(Record record) {
            if (!record.hasKey()) {
                return true;
            }
            Long latestOffset = latest.get(record.key());
            if (latestOffset != null && latestOffset > record.offset()) {
                return false;
            }
            return record.hasValue() || record.timestamp() >= nowMs - settings.deleteRetentionMs();
        }

        /** The batch with only {@code kept}, at its original offsets and with its header otherwise unchanged. */
        private ByteBuffer rebuild(MutableRecordBatch batch, List<Record> kept, int originalBytes) {
            TimestampType type = batch.timestampType();
            long logAppendTime = type == TimestampType.LOG_APPEND_TIME ? batch.maxTimestamp() : RecordBatch.NO_TIMESTAMP;
            MemoryRecordsBuilder builder = new MemoryRecordsBuilder(ByteBuffer.allocate(originalBytes + 64),
                    RecordBatch.MAGIC_VALUE_V2, Compression.of(batch.compressionType()).build(), type, batch.baseOffset(),
                    logAppendTime, batch.producerId(), batch.producerEpoch(), batch.baseSequence(), false, false,
                    batch.partitionLeaderEpoch(), Integer.MAX_VALUE);
            for (Record record : kept) {
                builder.appendWithOffset(record.offset(), record.timestamp(), record.key(), record.value(), record.headers());
            }
            builder.overrideLastOffset(batch.lastOffset());
            return builder.build().buffer();
        }

        private void extendGap(long first, long last) {
            if (gapFirst < 0) {
                gapFirst = first;
            }
            gapLast = last;
        }

        private void closeGap() throws IOException {
            if (gapFirst < 0) {
                return;
            }
            ByteBuffer empty = BatchFormat.emptyBatches(gapFirst, gapLast);
            gapFirst = -1;
            for (int at = 0; at < empty.limit(); at += HEADER_BYTES) {
                append(empty.slice(at, HEADER_BYTES));
            }
        }

        private void keep(ByteBuffer batch) throws IOException {
            closeGap();
            append(batch);
        }

        private void append(ByteBuffer batch) throws IOException {
            int bytes = batch.remaining();
            long baseOffset = batch.getLong(batch.position());
            long lastOffset = baseOffset + batch.getInt(batch.position() + BatchFormat.LAST_OFFSET_DELTA_POSITION);
            batches.add(new Log.CleanedBatch(baseOffset, lastOffset, written, bytes,
                    batch.getLong(batch.position() + MAX_TIMESTAMP_POSITION)));
            if (out.remaining() < bytes) {
                drain();
            }
            if (bytes > out.capacity()) {
                writeFully(batch.duplicate());
            } else {
                out.put(batch.duplicate());
            }
            written += bytes;
        }

        private void drain() throws IOException {
            out.flip();
            writeFully(out);
            out.clear();
        }

        private void writeFully(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                channelPosition += channel.write(bytes, channelPosition);
            }
        }
    }
}
