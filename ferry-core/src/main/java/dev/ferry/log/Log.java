package dev.ferry.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable, segmented, append-only log of records addressed by offset: the storage engine under
 * both queues and stream partitions. A directory of {@link LogSegment}s, each with its
 * {@link OffsetIndex} and {@link TimeIndex}, in Kafka's RecordBatch v2 format.
 *
 * <h2>Thread-safety contract</h2>
 * <ul>
 *   <li><b>One writer.</b> {@link #append}, {@link #appendBatch}, {@link #flush},
 *       {@link #deleteSegmentsBelow}, {@link #applyRetention} and {@link #close} must never run
 *       concurrently with each other. They may come from different threads over time if the calls
 *       are ordered (handed over through an executor or a queue). With assertions on, an overlap
 *       fails with an {@link AssertionError}. There is no lock on the append path.</li>
 *   <li><b>Any number of readers.</b> {@link #read}, {@link #offsetForTimestamp} and the offset
 *       getters are safe from any thread at any time, concurrently with the writer. A reader sees
 *       every batch whose append has returned and never part of a batch.</li>
 *   <li><b>Futures.</b> An append's future completes when its records are as durable as the
 *       {@link FsyncPolicy} promises: under {@code ALWAYS}, on the {@link LogFlusher} thread after
 *       the fsync that covers them, in offset order; under {@code INTERVAL} and {@code NEVER},
 *       already completed when the append returns. Callbacks run on the completing thread and
 *       must not block.</li>
 * </ul>
 *
 * <p>Appends never wait for the disk: the writer writes (one {@code write} per append, into the
 * page cache) and returns, while the flusher syncs behind it; one fsync covers all appends written
 * before it started (group commit). The single exception is a segment roll, which fsyncs the
 * sealed segment and writes its index files on the writer's thread, once per segment.
 *
 * <p>The offsets an append gets are known as soon as it returns ({@link #logEndOffset()} before
 * the call is the first one), before the future completes.
 */
public final class Log implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Log.class);
    private static final String LOCK_FILE_NAME = ".lock";

    private final String name;
    private final Path directory;
    private final LogConfig config;
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final LogFlusher flusher;
    private final boolean ownsFlusher;
    private final FileChannel lockChannel;
    private final FileLock directoryLock;
    private final WriterGuard writerGuard = new WriterGuard();

    private volatile LogSegment activeSegment;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long durableEndOffset;
    private volatile boolean closed;
    private volatile LogStorageException failure;

    // Group commit: the writer enqueues, the flusher (or close) completes, under flushLock.
    private final ReentrantLock flushLock = new ReentrantLock();
    private final ConcurrentLinkedQueue<PendingAppend> pendingAppends = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean syncScheduled = new AtomicBoolean();
    /** Next periodic sync under INTERVAL; read and written by the flusher thread only. */
    long nextIntervalSyncNanos;

    // Writer-owned.
    private final ArrayDeque<RetiredSegment> retiredSegments = new ArrayDeque<>();
    private ByteBuffer buildBuffer = ByteBuffer.allocate(16 * 1024);

    private Log(String name, Path directory, LogConfig config, List<LogSegment> loaded, LogFlusher flusher,
            boolean ownsFlusher, FileChannel lockChannel, FileLock directoryLock) {
        this.name = name;
        this.directory = directory;
        this.config = config;
        this.flusher = flusher;
        this.ownsFlusher = ownsFlusher;
        this.lockChannel = lockChannel;
        this.directoryLock = directoryLock;
        for (LogSegment segment : loaded) {
            segments.put(segment.baseOffset(), segment);
        }
        this.activeSegment = loaded.get(loaded.size() - 1);
        this.logStartOffset = loaded.get(0).baseOffset();
        this.logEndOffset = activeSegment.nextOffset();
        this.durableEndOffset = logEndOffset;
    }

    /** Opens (creating if needed) the log in {@code directory}, with a private flusher if the policy needs one. */
    public static Log open(Path directory, LogConfig config) {
        return open(directory, config, null);
    }

    /**
     * Opens (creating if needed) the log in {@code directory}, recovering it if it was not closed
     * cleanly. The log's name is the directory's name.
     *
     * @param sharedFlusher the flusher to use, shared with other logs on the same disk; null for a
     *     private one that closes with the log
     * @throws InvalidLogConfigException if {@code config} has wrong values
     * @throws LogStorageException if the directory cannot be read or is in use by another process
     * @throws LogCorruptedException if a sealed segment is damaged beyond its indexes
     */
    public static Log open(Path directory, LogConfig config, LogFlusher sharedFlusher) {
        config.conclude();
        String name = directory.getFileName().toString();
        FileChannel lockChannel = null;
        FileLock lock = null;
        try {
            Files.createDirectories(directory);
            lockChannel = FileChannel.open(directory.resolve(LOCK_FILE_NAME), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new LogStorageException(name, "directory " + directory + " is in use by another open log", null);
            }
            List<LogSegment> loaded = LogLoader.load(name, directory, config);
            LogFlusher flusher = sharedFlusher;
            boolean ownsFlusher = false;
            if (flusher == null && config.fsyncPolicy() != FsyncPolicy.NEVER) {
                flusher = new LogFlusher("ferry-log-flusher-" + name);
                ownsFlusher = true;
            }
            Log log = new Log(name, directory, config, loaded, flusher, ownsFlusher, lockChannel, lock);
            if (config.fsyncPolicy() == FsyncPolicy.INTERVAL) {
                flusher.registerInterval(log);
            }
            LOG.info("Opened log '{}' at {}: offsets [{}, {}) in {} segments, {}", name, directory,
                    log.logStartOffset, log.logEndOffset, loaded.size(), config.fsyncPolicy());
            return log;
        } catch (IOException e) {
            closeQuietly(lockChannel);
            throw new LogStorageException(name, "cannot open " + directory, e);
        } catch (RuntimeException e) {
            closeQuietly(lockChannel);
            throw e;
        }
    }

    /**
     * Encodes {@code records} as one RecordBatch v2 (uncompressed, create-time timestamps) and
     * appends it. The records get contiguous offsets starting at {@link #logEndOffset()}.
     *
     * @throws InvalidBatchException if {@code records} is empty or a timestamp is negative (other than -1)
     * @throws BatchTooLargeException if the encoded batch exceeds {@link LogConfig#batchBytesMax()}
     * @throws LogClosedException after {@link #close()}
     * @throws LogStorageException if the write fails, or failed before
     */
    public CompletableFuture<AppendResult> append(List<SimpleRecord> records) {
        assert writerGuard.enter(name);
        try {
            checkWritable();
            if (records == null || records.isEmpty()) {
                throw new InvalidBatchException(name, "an append needs at least one record");
            }
            int batchBytes = DefaultRecordBatch.sizeInBytes(records);
            if (batchBytes > config.batchBytesMax()) {
                throw new BatchTooLargeException(name, batchBytes, config.batchBytesMax());
            }
            long firstOffset = logEndOffset;
            ByteBuffer buffer = buildBuffer(batchBytes);
            MemoryRecords batch;
            try (MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, RecordBatch.MAGIC_VALUE_V2,
                    Compression.NONE, TimestampType.CREATE_TIME, firstOffset)) {
                for (SimpleRecord record : records) {
                    builder.append(record);
                }
                batch = builder.build();
            } catch (IllegalArgumentException e) {
                throw new InvalidBatchException(name, e.getMessage());
            }
            return write(batch, firstOffset, firstOffset + records.size() - 1);
        } finally {
            assert writerGuard.exit();
        }
    }

    /**
     * Appends one or more already-encoded RecordBatch v2 batches (e.g. a Kafka Produce request's
     * records) as they are. Every batch is checked first (length, magic 2, header consistency,
     * CRC32C); then each batch's base offset is overwritten in {@code batches} itself to continue
     * the log (the CRC does not cover it) and the whole buffer is written with one write.
     *
     * <p>Checks framing, not record encoding: a batch whose CRC is right but whose records a
     * producer encoded wrongly is stored, and a decoding reader fails on it.
     *
     * @param batches from its position to its limit, whole batches back to back; its content is modified
     * @throws InvalidBatchException if anything fails a check, or the buffer is read-only; nothing is written
     * @throws BatchTooLargeException if the buffer exceeds {@link LogConfig#batchBytesMax()}
     * @throws LogClosedException after {@link #close()}
     */
    public CompletableFuture<AppendResult> appendBatch(ByteBuffer batches) {
        assert writerGuard.enter(name);
        try {
            checkWritable();
            if (batches.isReadOnly()) {
                throw new InvalidBatchException(name, "the buffer is read-only, but offsets are assigned in place");
            }
            int totalBytes = batches.remaining();
            if (totalBytes > config.batchBytesMax()) {
                throw new BatchTooLargeException(name, totalBytes, config.batchBytesMax());
            }
            if (totalBytes < LogSegment.BATCH_HEADER_BYTES) {
                throw new InvalidBatchException(name, totalBytes + " bytes are less than one batch header");
            }
            ByteBuffer view = batches.slice();
            int batchCount = 0;
            for (int at = 0; at < totalBytes; batchCount++) {
                if (totalBytes - at < LogSegment.BATCH_HEADER_BYTES) {
                    throw new InvalidBatchException(name, "the last " + (totalBytes - at) + " bytes are not a whole batch");
                }
                ByteBuffer batchView = view.slice(at, totalBytes - at);
                String problem = LogSegment.checkHeader(batchView, -1, totalBytes - at);
                if (problem != null) {
                    throw new InvalidBatchException(name, "batch " + batchCount + " at byte " + at + ": " + problem);
                }
                int batchBytes = LogSegment.LOG_OVERHEAD_BYTES + batchView.getInt(LogSegment.LENGTH_POSITION);
                if (!batchOf(batchView.limit(batchBytes)).isValid()) {
                    throw new InvalidBatchException(name, "batch " + batchCount + " at byte " + at + " fails its CRC check");
                }
                at += batchBytes;
            }
            long firstOffset = logEndOffset;
            long nextOffset = firstOffset;
            for (int at = 0; at < totalBytes; ) {
                ByteBuffer batchView = view.slice(at, totalBytes - at);
                int batchBytes = LogSegment.LOG_OVERHEAD_BYTES + batchView.getInt(LogSegment.LENGTH_POSITION);
                int lastOffsetDelta = batchView.getInt(LogSegment.LAST_OFFSET_DELTA_POSITION);
                batchOf(batchView.limit(batchBytes)).setLastOffset(nextOffset + lastOffsetDelta);
                nextOffset += lastOffsetDelta + 1;
                at += batchBytes;
            }
            return write(MemoryRecords.readableRecords(view), firstOffset, nextOffset - 1);
        } finally {
            assert writerGuard.exit();
        }
    }

    private static MutableRecordBatch batchOf(ByteBuffer oneBatch) {
        return MemoryRecords.readableRecords(oneBatch).batches().iterator().next();
    }

    private ByteBuffer buildBuffer(int bytes) {
        if (buildBuffer.capacity() < bytes) {
            buildBuffer = ByteBuffer.allocate(Math.max(bytes, Math.min(buildBuffer.capacity() * 2, config.batchBytesMax())));
        }
        return buildBuffer.clear();
    }

    /** Rolls if needed, writes, publishes the new end offset, then hands durability to the policy. */
    private CompletableFuture<AppendResult> write(MemoryRecords batches, long firstOffset, long lastOffset) {
        LogSegment segment = activeSegment;
        int segmentBytes = segment.sizeInBytes();
        if (segmentBytes > 0 && (segmentBytes + (long) batches.sizeInBytes() > config.segmentBytesMax()
                || lastOffset - segment.baseOffset() > Integer.MAX_VALUE)) {
            segment = roll();
        }
        try {
            segment.append(batches, lastOffset);
        } catch (IOException e) {
            throw fail("the write of offsets " + firstOffset + ".." + lastOffset + " to " + segment.logFile().getFileName(), e);
        }
        logEndOffset = lastOffset + 1;
        AppendResult result = new AppendResult(firstOffset, lastOffset);
        if (config.fsyncPolicy() != FsyncPolicy.ALWAYS) {
            return CompletableFuture.completedFuture(result);
        }
        PendingAppend pending = new PendingAppend(result);
        pendingAppends.offer(pending);
        if (syncScheduled.compareAndSet(false, true)) {
            flusher.requestSync(this);
        }
        return pending;
    }

    /** Seals the active segment (fsync + index files) and starts a new one at the log end. Writer only. */
    private LogSegment roll() {
        LogSegment sealed = activeSegment;
        try {
            sealed.seal();
            LogSegment next = LogSegment.create(name, directory, logEndOffset, config.indexIntervalBytes());
            fsyncDirectory(directory);
            segments.put(next.baseOffset(), next);
            activeSegment = next;
            LOG.debug("Log '{}': rolled to a new segment at offset {}", name, next.baseOffset());
            return next;
        } catch (IOException e) {
            throw fail("rolling segment " + sealed.logFile().getFileName(), e);
        }
    }

    /**
     * Reads from the batch holding {@code startOffset}: whole batches up to {@code maxBytes}, and
     * always at least that first batch, so a reader makes progress whatever its limit. Stays within
     * one segment; the next read continues where this one ended.
     *
     * @throws LogOffsetOutOfRangeException unless {@code logStartOffset <= startOffset <= logEndOffset}
     *     (at the end the slice is empty)
     */
    public LogSlice read(long startOffset, int maxBytes) {
        checkOpen();
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes=" + maxBytes + " must be positive (reading log '" + name + "')");
        }
        long endOffset = logEndOffset;
        long startOffsetOfLog = logStartOffset;
        if (startOffset < startOffsetOfLog || startOffset > endOffset) {
            throw new LogOffsetOutOfRangeException(name, startOffset, startOffsetOfLog, endOffset);
        }
        if (startOffset == endOffset) {
            return LogSlice.empty(name, startOffset);
        }
        try {
            for (Map.Entry<Long, LogSegment> entry = segments.floorEntry(startOffset); entry != null;
                    entry = segments.higherEntry(entry.getKey())) {
                LogSegment segment = entry.getValue();
                long location = segment.locate(startOffset);
                if (location >= 0) {
                    int position = (int) (location >>> 32);
                    int firstBatchBytes = (int) location;
                    FileRecords slice = segment.slice(position, Math.max(maxBytes, firstBatchBytes));
                    return new LogSlice(name, startOffset, slice, segment.channel(), position);
                }
            }
        } catch (ClosedChannelException e) {
            checkOpen();
            // The segment was deleted and closed under us: the offset is now below the log start.
        } catch (IOException e) {
            throw new LogStorageException(name, "reading offset " + startOffset + " failed", e);
        }
        throw new LogOffsetOutOfRangeException(name, startOffset, logStartOffset, logEndOffset);
    }

    /**
     * The offset of the first record whose timestamp is at or after {@code timestampMs}, or empty
     * if every record is older (a reader then starts at {@link #logEndOffset()}).
     */
    public OptionalLong offsetForTimestamp(long timestampMs) {
        checkOpen();
        try {
            for (LogSegment segment : segments.values()) {
                OptionalLong found = segment.findOffsetByTimestamp(timestampMs);
                if (found.isPresent()) {
                    return found;
                }
            }
        } catch (ClosedChannelException e) {
            checkOpen();
            return offsetForTimestamp(timestampMs);
        } catch (IOException e) {
            throw new LogStorageException(name, "searching for timestamp " + timestampMs + " failed", e);
        }
        return OptionalLong.empty();
    }

    /**
     * Deletes every sealed segment whose records all lie below {@code offset} (for queues: all
     * settled). The active segment is never deleted. Writer only.
     *
     * @return how many segments were deleted
     * @throws LogOffsetOutOfRangeException if {@code offset} is beyond {@link #logEndOffset()}
     */
    public int deleteSegmentsBelow(long offset) {
        assert writerGuard.enter(name);
        try {
            checkOpen();
            if (offset > logEndOffset) {
                throw new LogOffsetOutOfRangeException(name, offset, logStartOffset, logEndOffset);
            }
            int deleted = 0;
            for (LogSegment segment : segments.values()) {
                if (segment == activeSegment || segment.nextOffset() > offset) {
                    break;
                }
                delete(segment, "below offset " + offset);
                deleted++;
            }
            closeRetiredSegments(System.nanoTime());
            return deleted;
        } finally {
            assert writerGuard.exit();
        }
    }

    /**
     * Applies the retention settings: first deletes the oldest sealed segments whose newest record
     * is older than {@code nowMs - retentionMs}, then the oldest while the log would still hold at
     * least {@code retentionBytes} without them. The active segment is never deleted. Writer only.
     *
     * @param nowMs the current time in ms, passed in so tests control the clock
     * @return how many segments were deleted
     */
    public int applyRetention(long nowMs) {
        assert writerGuard.enter(name);
        try {
            checkOpen();
            int deleted = 0;
            if (config.retentionMs() > 0) {
                long oldestKeptMs = nowMs - config.retentionMs();
                for (LogSegment segment : segments.values()) {
                    if (segment == activeSegment || segment.maxTimestampMs() >= oldestKeptMs) {
                        break;
                    }
                    delete(segment, "retentionMs=" + config.retentionMs());
                    deleted++;
                }
            }
            if (config.retentionBytes() > 0) {
                long totalBytes = sizeInBytes();
                for (LogSegment segment : segments.values()) {
                    if (segment == activeSegment || totalBytes - segment.sizeInBytes() < config.retentionBytes()) {
                        break;
                    }
                    totalBytes -= segment.sizeInBytes();
                    delete(segment, "retentionBytes=" + config.retentionBytes());
                    deleted++;
                }
            }
            closeRetiredSegments(System.nanoTime());
            return deleted;
        } finally {
            assert writerGuard.exit();
        }
    }

    private void delete(LogSegment segment, String reason) {
        segments.remove(segment.baseOffset());
        logStartOffset = segments.firstKey();
        try {
            segment.deleteFiles();
        } catch (IOException e) {
            LOG.warn("Log '{}': could not delete the files of segment {}: {}", name, segment.logFile().getFileName(), e.toString());
        }
        // Unlinked now; the open handle lets a reader that found the segment a moment ago finish.
        retiredSegments.add(new RetiredSegment(segment, System.nanoTime()));
        LOG.info("Log '{}': deleted segment {} ({}); log now starts at offset {}", name,
                segment.logFile().getFileName(), reason, logStartOffset);
    }

    private void closeRetiredSegments(long nowNanos) {
        long delayNanos = TimeUnit.MILLISECONDS.toNanos(config.segmentDeleteDelayMs());
        while (!retiredSegments.isEmpty() && nowNanos - retiredSegments.peek().retiredAtNanos >= delayNanos) {
            closeQuietly(retiredSegments.poll().segment);
        }
    }

    /**
     * Fsyncs everything written so far and completes the futures it covers, on the caller's thread.
     * For {@code NEVER} logs at a checkpoint; other policies rarely need it. Writer only.
     */
    public void flush() {
        assert writerGuard.enter(name);
        try {
            checkWritable();
            syncAndCompletePending();
            LogStorageException failed = failure;
            if (failed != null) {
                throw failed;
            }
        } finally {
            assert writerGuard.exit();
        }
    }

    /** The flusher calls this after dequeuing the log; clearing the flag first is what makes commits group. */
    void syncRequested() {
        syncScheduled.set(false);
        syncAndCompletePending();
    }

    private void syncAndCompletePending() {
        flushLock.lock();
        try {
            if (closed || failure != null) {
                return;
            }
            // Read the end before the segment: an end written to an older segment was fsynced by its roll.
            long endOffset = logEndOffset;
            LogSegment segment = activeSegment;
            if (endOffset > durableEndOffset) {
                segment.flush();
                durableEndOffset = endOffset;
            }
            completePendingBelow(durableEndOffset);
        } catch (IOException e) {
            fail("fsync of " + activeSegment.logFile().getFileName(), e);
            failPending(failure);
        } finally {
            flushLock.unlock();
        }
    }

    private void completePendingBelow(long endOffset) {
        PendingAppend pending;
        while ((pending = pendingAppends.peek()) != null && pending.result.lastOffset() < endOffset) {
            pendingAppends.poll();
            pending.complete(pending.result);
        }
    }

    private void failPending(RuntimeException cause) {
        PendingAppend pending;
        while ((pending = pendingAppends.poll()) != null) {
            pending.completeExceptionally(cause);
        }
    }

    /**
     * Fsyncs and closes the log: every append that returned is on disk and its future complete
     * when this returns; later calls throw {@link LogClosedException}. Idempotent. Writer only:
     * call it from the writer, or after the writer has stopped.
     */
    @Override
    public void close() {
        assert writerGuard.enter(name);
        try {
            if (closed) {
                return;
            }
            flushLock.lock();
            try {
                closed = true;
                if (failure == null) {
                    try {
                        activeSegment.flush();
                        activeSegment.writeIndexes();
                        durableEndOffset = logEndOffset;
                        completePendingBelow(durableEndOffset);
                    } catch (IOException e) {
                        fail("the final fsync on close", e);
                    }
                }
                failPending(failure != null ? failure : new LogClosedException(name, "complete an append"));
                for (LogSegment segment : segments.values()) {
                    closeQuietly(segment);
                }
                while (!retiredSegments.isEmpty()) {
                    closeQuietly(retiredSegments.poll().segment);
                }
            } finally {
                flushLock.unlock();
            }
            if (flusher != null) {
                flusher.unregisterInterval(this);
                if (ownsFlusher) {
                    flusher.close();
                }
            }
            try {
                directoryLock.release();
            } catch (IOException e) {
                LOG.warn("Log '{}': releasing the directory lock failed: {}", name, e.toString());
            }
            closeQuietly(lockChannel);
            LOG.info("Closed log '{}' at offsets [{}, {})", name, logStartOffset, logEndOffset);
            if (failure != null) {
                throw failure;
            }
        } finally {
            assert writerGuard.exit();
        }
    }

    /** The log's name: its directory's name. */
    public String name() {
        return name;
    }

    public Path directory() {
        return directory;
    }

    LogConfig config() {
        return config;
    }

    /** The lowest offset still stored: deletions and retention raise it, a whole segment at a time. */
    public long logStartOffset() {
        return logStartOffset;
    }

    /** The offset the next appended record will get: one past the last record written. */
    public long logEndOffset() {
        return logEndOffset;
    }

    /** One past the last offset known to be fsynced. */
    public long durableEndOffset() {
        return durableEndOffset;
    }

    public int segmentCount() {
        return segments.size();
    }

    /** The base offsets of the segments, in order; the last is the active segment. */
    public List<Long> segmentBaseOffsets() {
        return List.copyOf(segments.keySet());
    }

    /** Bytes stored in all segment files (not counting indexes). */
    public long sizeInBytes() {
        long total = 0;
        for (LogSegment segment : segments.values()) {
            total += segment.sizeInBytes();
        }
        return total;
    }

    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new LogClosedException(name, "use it");
        }
    }

    private void checkWritable() {
        if (closed) {
            throw new LogClosedException(name, "append");
        }
        LogStorageException failed = failure;
        if (failed != null) {
            throw new LogStorageException(name, "refusing writes after an earlier failure", failed);
        }
    }

    private LogStorageException fail(String what, IOException cause) {
        LogStorageException exception = new LogStorageException(name, what + " failed; the log refuses further writes", cause);
        if (failure == null) {
            failure = exception;
        }
        LOG.error("Log '{}': {} failed: {}", name, what, cause.toString());
        return exception;
    }

    /** Makes newly created or renamed files in {@code directory} survive a crash. */
    static void fsyncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void closeQuietly(LogSegment segment) {
        try {
            segment.close();
        } catch (IOException e) {
            LOG.warn("Closing segment {} failed: {}", segment.logFile(), e.toString());
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("Closing {} failed: {}", channel, e.toString());
        }
    }

    @Override
    public String toString() {
        return "Log{" + name + ", [" + logStartOffset + ", " + logEndOffset + "), " + segments.size() + " segments}";
    }

    /** An ALWAYS append waiting for its fsync: the future itself, to allocate one object per append. */
    private static final class PendingAppend extends CompletableFuture<AppendResult> {
        final AppendResult result;

        PendingAppend(AppendResult result) {
            this.result = result;
        }
    }

    private static final class RetiredSegment {
        final LogSegment segment;
        final long retiredAtNanos;

        RetiredSegment(LogSegment segment, long retiredAtNanos) {
            this.segment = segment;
            this.retiredAtNanos = retiredAtNanos;
        }
    }
}
