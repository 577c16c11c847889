package dev.ferry.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
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
 *   <li><b>One cleaner.</b> The {@link LogCleaner} reads sealed segments as a reader does and
 *       replaces one through {@link #swapInCleaned} under a lock that appends and reads never
 *       take; the writer's retention and deletion only try it.</li>
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
 *
 * <h2>When the disk fails</h2>
 * <ul>
 *   <li><b>A failed write</b> (disk full, an I/O error on {@code write}), or a segment roll that
 *       cannot create the next segment or its predecessor's index files: that append throws
 *       {@link LogStorageException} and nothing of it stays in the file (it is cut back to where
 *       it was). The log stays writable; a later append succeeds once the cause is gone (space
 *       freed). Appends already written are unaffected. If even the cut fails, the log is treated
 *       as after a failed fsync.</li>
 *   <li><b>A failed fsync</b> is different: the kernel may have dropped the dirty pages it could
 *       not write, so what is on disk is no longer known. Every append not yet known durable fails
 *       (its future completes with {@link LogStorageException}), and the log refuses every further
 *       append and flush ({@link #hasFailed()}) until it is {@link #close closed} and opened again.
 *       Close cuts the records whose appends failed from the newest segment (so they do not come
 *       back as if stored), and opening validates everything on disk again.</li>
 *   <li><b>A failed open</b> (or a directory fsync that failed while rolling) may leave a change to
 *       the directory's names that a crash could still undo (a repaired segment renamed into
 *       place, a segment created or removed); the next open of that directory in this process
 *       fsyncs the directory before it hands the log out.</li>
 *   <li><b>Damage found at open</b> costs at most the damaged bytes ({@link LogLoader}); what was
 *       lost is listed by {@link #damage()}. Damage appearing later (bit rot under a running log)
 *       makes the read that meets it throw {@link LogCorruptedException} naming the offset; no
 *       damaged record is ever returned.</li>
 * </ul>
 *
 * <h2>Files</h2>
 * A log holds no file descriptor while idle: its segment files are opened through a
 * {@link FileHandleCache} shared by every log of the broker, which closes the least recently used
 * when it is full. One directory can be open in only one {@code Log} of the process at a time.
 */
public final class Log implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Log.class);
    /** Build buffers larger than this are not kept for the next append. */
    private static final int BUILD_BUFFER_RETAINED_MAX = 1024 * 1024;
    /** The leader epoch of a batch no leader stamped (queues' batches, producers' batches as sent). */
    public static final int NO_LEADER_EPOCH = -1;
    /**
     * Where {@link #append} encodes a batch before writing it. Per writer thread rather than per
     * log: a broker has a handful of queue threads and may have 100,000 logs. The bytes are
     * written to the file before append returns, so the next append may reuse the buffer.
     */
    private static final ThreadLocal<ByteBuffer> BUILD_BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(16 * 1024));

    private final String name;
    private final Path directory;
    private final LogConfig config;
    private final FileHandleCache cache;
    private final LogFileSystem fileSystem;
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final List<LogDamage> damage;
    private final LogFlusher flusher;
    private final boolean ownsFlusher;
    private final Object directoryClaim;
    private final WriterGuard writerGuard = new WriterGuard();

    private volatile LogSegment activeSegment;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long durableEndOffset;
    private volatile boolean closed;
    /** Set by a failed fsync (or a failed write that could not be cut back); final until reopen. */
    private volatile LogStorageException failure;

    // Group commit: the writer enqueues, the flusher (or close) completes, under flushLock. A sync
    // claims the end it covers under flushLock, fsyncs without it (up to SegmentFile.SYNC_SLOTS at
    // once, each on its own descriptor) and records its outcome under it again.
    private final ReentrantLock flushLock = new ReentrantLock();
    /** Signalled when a sync ends, for a writer (roll, flush, close) waiting for a slot or for a sync to end. */
    private final Condition syncEnded = flushLock.newCondition();
    private int syncsRunning; // guarded by flushLock
    /** The highest end a started sync covers (durable once it ends well); guarded by flushLock. */
    private long claimedEndOffset;
    /** A sync request found every slot busy: the next sync to end asks the flusher again. Guarded by flushLock. */
    private boolean syncWanted;
    private final ConcurrentLinkedQueue<PendingAppend> pendingAppends = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean syncScheduled = new AtomicBoolean();
    /** Next periodic sync under INTERVAL; read and written by the flusher thread only. */
    long nextIntervalSyncNanos;

    // Writer-owned.
    private final ArrayDeque<RetiredSegment> retiredSegments = new ArrayDeque<>();

    /**
     * Held while a segment leaves the log (retention, deletion, close) and while the
     * {@link LogCleaner} swaps a cleaned segment in, so that a swap never brings back a deleted
     * segment. Appends and reads never take it, and the writer only tries it (retention and
     * deletion skip a round rather than wait for a swap's fsyncs).
     */
    private final ReentrantLock segmentRemovalLock = new ReentrantLock();
    /** Segments the cleaner replaced, kept open for readers that found them; the cleaner closes them later. */
    private final ConcurrentLinkedQueue<RetiredSegment> cleanedAway = new ConcurrentLinkedQueue<>();

    private Log(String name, Path directory, LogConfig config, FileHandleCache cache, LogLoader.Loaded loaded,
            LogFlusher flusher, boolean ownsFlusher, Object directoryClaim) {
        this.name = name;
        this.directory = directory;
        this.config = config;
        this.cache = cache;
        this.fileSystem = cache.fileSystem();
        this.flusher = flusher;
        this.ownsFlusher = ownsFlusher;
        this.directoryClaim = directoryClaim;
        this.damage = List.copyOf(loaded.damage());
        List<LogSegment> loadedSegments = loaded.segments();
        for (LogSegment segment : loadedSegments) {
            segments.put(segment.baseOffset(), segment);
        }
        this.activeSegment = loadedSegments.get(loadedSegments.size() - 1);
        this.logStartOffset = loadedSegments.get(0).baseOffset();
        this.logEndOffset = activeSegment.nextOffset();
        this.durableEndOffset = logEndOffset;
        this.claimedEndOffset = logEndOffset;
    }

    /**
     * Opens (creating if needed) the log in {@code directory}, with a private flusher if the policy
     * needs one and the process's shared {@link FileHandleCache#processDefault() file handle cache}.
     */
    public static Log open(Path directory, LogConfig config) {
        return open(directory, config, null, FileHandleCache.processDefault());
    }

    /** As {@link #open(Path, LogConfig, LogFlusher, FileHandleCache)} with the process's shared file handle cache. */
    public static Log open(Path directory, LogConfig config, LogFlusher sharedFlusher) {
        return open(directory, config, sharedFlusher, FileHandleCache.processDefault());
    }

    /**
     * Opens (creating if needed) the log in {@code directory}, validating and repairing it as
     * {@link LogLoader} describes. The log's name is the directory's name.
     *
     * @param sharedFlusher the flusher to use, shared with other logs on the same disk; null for a
     *     private one that closes with the log
     * @param fileHandleCache the cache of open files shared by the broker's logs, and the file system they are on
     * @throws InvalidLogConfigException if {@code config} has wrong values
     * @throws LogStorageException if the directory cannot be read or written, or is open in another log
     */
    public static Log open(Path directory, LogConfig config, LogFlusher sharedFlusher, FileHandleCache fileHandleCache) {
        config.conclude();
        String name = directory.getFileName().toString();
        LogFileSystem fileSystem = fileHandleCache.fileSystem();
        Object claim = new Object();
        if (!OpenLogDirectories.claim(fileSystem, directory, claim)) {
            throw new LogStorageException(name, "directory " + directory + " is in use by another open log", null);
        }
        try {
            if (!fileSystem.exists(directory)) {
                fileSystem.createDirectories(directory);
                Path parent = directory.toAbsolutePath().getParent();
                if (parent != null) {
                    fileSystem.fsyncDirectory(parent);
                }
            }
            LogLoader.Loaded loaded = LogLoader.load(name, directory, config, fileHandleCache);
            if (OpenLogDirectories.isUnsynced(fileSystem, directory)) {
                try {
                    fileSystem.fsyncDirectory(directory);
                } catch (IOException e) {
                    loaded.segments().forEach(LogSegment::close);
                    throw e;
                }
                OpenLogDirectories.markSynced(fileSystem, directory);
            }
            LogFlusher flusher = sharedFlusher;
            boolean ownsFlusher = false;
            if (flusher == null && config.fsyncPolicy() != FsyncPolicy.NEVER) {
                flusher = new LogFlusher("ferry-log-flusher-" + name);
                ownsFlusher = true;
            }
            Log log = new Log(name, directory, config, fileHandleCache, loaded, flusher, ownsFlusher, claim);
            if (config.fsyncPolicy() == FsyncPolicy.INTERVAL) {
                flusher.registerInterval(log);
            }
            LOG.info("Opened log '{}' at {}: offsets [{}, {}) in {} segments, {}{}", name, directory,
                    log.logStartOffset, log.logEndOffset, loaded.segments().size(), config.fsyncPolicy(),
                    loaded.damage().isEmpty() ? "" : "; " + loaded.damage().size() + " damaged regions set aside ("
                            + loaded.damage().stream().filter(LogDamage::newlyFound).count() + " found now)");
            return log;
        } catch (IOException e) {
            OpenLogDirectories.markUnsynced(fileSystem, directory);
            OpenLogDirectories.release(fileSystem, directory, claim);
            throw new LogStorageException(name, "cannot open " + directory + ": " + e, e);
        } catch (RuntimeException | Error e) {
            OpenLogDirectories.markUnsynced(fileSystem, directory);
            OpenLogDirectories.release(fileSystem, directory, claim);
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
     * @throws LogStorageException if the write fails (nothing of it is kept; the log stays
     *     writable), or the log has failed ({@link #hasFailed()})
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
            // A large batch (a large message body) is built off the heap and freed once written:
            // no heap copy of the body, and no temporary direct copy inside the file channel.
            boolean large = LargeBuffers.isLarge(batchBytes);
            ByteBuffer buffer = large ? LargeBuffers.allocate(batchBytes) : buildBuffer(batchBytes);
            try {
                if (large && BulkBatchEncoder.canEncode(records)) {
                    BulkBatchEncoder.encode(buffer, firstOffset, records);
                    if (buffer.position() != batchBytes) {
                        throw new IllegalStateException("encoded " + buffer.position() + " bytes, sized " + batchBytes);
                    }
                    buffer.flip();
                    return write(buffer, firstOffset, firstOffset + records.size() - 1);
                }
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
                return write(batch.buffer(), firstOffset, firstOffset + records.size() - 1);
            } finally {
                if (large) {
                    LargeBuffers.free(buffer); // written (or failed) and referenced by nothing now
                }
            }
        } finally {
            assert writerGuard.exit();
        }
    }

    /**
     * Appends one or more already-encoded RecordBatch v2 batches (e.g. a Kafka Produce request's
     * records) as they are. Every batch is checked first (length, magic 2, header consistency,
     * at least one record, CRC32C); then each batch's base offset is overwritten in
     * {@code batches} itself to continue the log (the CRC does not cover it) and the whole buffer
     * is written with one write.
     *
     * <p>Checks framing, not record encoding: a batch whose CRC is right but whose records a
     * producer encoded wrongly is stored, and a decoding reader fails on it.
     *
     * @param batches from its position to its limit, whole batches back to back; its content is modified
     * @throws InvalidBatchException if anything fails a check, or the buffer is read-only; nothing is written
     * @throws BatchTooLargeException if the buffer exceeds {@link LogConfig#batchBytesMax()}
     * @throws LogClosedException after {@link #close()}
     * @throws LogStorageException as {@link #append}
     */
    public CompletableFuture<AppendResult> appendBatch(ByteBuffer batches) {
        return appendBatch(batches, NO_LEADER_EPOCH);
    }

    /**
     * As {@link #appendBatch(ByteBuffer)}, and stamps {@code leaderEpoch} into every batch's
     * partition leader epoch field (outside the CRC, like the base offset), so that the epoch of
     * the leader that appended a record is kept with it: replication will truncate by it.
     *
     * @param leaderEpoch the epoch to stamp, 0 or more; {@link #NO_LEADER_EPOCH} leaves the field as sent
     */
    public CompletableFuture<AppendResult> appendBatch(ByteBuffer batches, int leaderEpoch) {
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
            if (totalBytes < BatchFormat.HEADER_BYTES) {
                throw new InvalidBatchException(name, totalBytes + " bytes are less than one batch header");
            }
            ByteBuffer view = batches.slice();
            int batchCount = 0;
            for (int at = 0; at < totalBytes; batchCount++) {
                if (totalBytes - at < BatchFormat.HEADER_BYTES) {
                    throw new InvalidBatchException(name, "the last " + (totalBytes - at) + " bytes are not a whole batch");
                }
                ByteBuffer batchView = view.slice(at, totalBytes - at);
                String problem = BatchFormat.checkHeader(batchView, -1, totalBytes - at, false);
                if (problem != null) {
                    throw new InvalidBatchException(name, "batch " + batchCount + " at byte " + at + ": " + problem);
                }
                int batchBytes = BatchFormat.LOG_OVERHEAD_BYTES + batchView.getInt(BatchFormat.LENGTH_POSITION);
                if (!BatchFormat.crcMatches(batchView.limit(batchBytes))) {
                    throw new InvalidBatchException(name, "batch " + batchCount + " at byte " + at + " fails its CRC check");
                }
                at += batchBytes;
            }
            long firstOffset = logEndOffset;
            long nextOffset = firstOffset;
            for (int at = 0; at < totalBytes; ) {
                int batchBytes = BatchFormat.LOG_OVERHEAD_BYTES + view.getInt(at + BatchFormat.LENGTH_POSITION);
                view.putLong(at, nextOffset);
                if (leaderEpoch != NO_LEADER_EPOCH) {
                    view.putInt(at + BatchFormat.LEADER_EPOCH_POSITION, leaderEpoch);
                }
                nextOffset += view.getInt(at + BatchFormat.LAST_OFFSET_DELTA_POSITION) + 1L;
                at += batchBytes;
            }
            return write(view, firstOffset, nextOffset - 1);
        } finally {
            assert writerGuard.exit();
        }
    }

    private static ByteBuffer buildBuffer(int bytes) {
        ByteBuffer buffer = BUILD_BUFFER.get();
        if (buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocate(Math.max(bytes, Math.min(buffer.capacity() * 2, BUILD_BUFFER_RETAINED_MAX)));
            if (buffer.capacity() <= BUILD_BUFFER_RETAINED_MAX) {
                BUILD_BUFFER.set(buffer);
            }
        }
        return buffer.clear();
    }

    /** Rolls if needed, writes, publishes the new end offset, then hands durability to the policy. */
    private CompletableFuture<AppendResult> write(ByteBuffer batches, long firstOffset, long lastOffset) {
        LogSegment segment = activeSegment;
        int segmentBytes = segment.sizeInBytes();
        if (segmentBytes > 0 && (segmentBytes + (long) batches.remaining() > config.segmentBytesMax()
                || lastOffset - segment.baseOffset() > Integer.MAX_VALUE)) {
            segment = roll();
        }
        int sizeBefore = segment.sizeInBytes();
        try {
            segment.append(batches, lastOffset);
        } catch (IOException e) {
            String what = "the write of offsets " + firstOffset + ".." + lastOffset + " to " + segment.logFile().getFileName();
            try {
                segment.truncateTo(sizeBefore);
            } catch (IOException cut) {
                e.addSuppressed(cut);
                throw failWrites(what + " failed and cutting the file back to " + sizeBefore + " bytes failed too", e);
            }
            LOG.error("Log '{}': {} failed ({}); cut back, the log stays writable", name, what, e.toString());
            throw new LogStorageException(name, what + " failed: " + e + "; nothing of it was kept", e);
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

    /**
     * Seals the active segment (fsync + index files) and starts a new one at the log end. Writer
     * only. A failed fsync fails the log; any other failure leaves the active segment as it was
     * and fails only the caller's operation.
     */
    private LogSegment roll() {
        LogSegment sealed = activeSegment;
        // Through the sync slots, not the writer's descriptor: see SegmentFile.startSync.
        LogStorageException failed = syncAllWritten(SyncKind.ROLL, false, true);
        if (failed != null) {
            throw failed;
        }
        sealed.sealIndexes();
        Path nextFile = LogSegment.logFile(directory, logEndOffset);
        LogSegment next = null;
        try {
            sealed.writeIndexes();
            next = LogSegment.create(name, directory, logEndOffset, config.indexIntervalBytes(), cache);
            fileSystem.fsyncDirectory(directory);
        } catch (IOException e) {
            if (next != null) {
                next.close();
            }
            try {
                // Durably: were the half-made segment to reappear after a crash, the records this
                // segment takes next would lie beyond the base of a newer segment.
                if (fileSystem.deleteIfExists(nextFile)) {
                    fileSystem.fsyncDirectory(directory);
                }
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
                OpenLogDirectories.markUnsynced(fileSystem, directory);
                throw failWrites("rolling to a new segment at offset " + logEndOffset + " (" + e
                        + ") and removing the half-made segment", cleanup);
            }
            LOG.error("Log '{}': rolling to a new segment at offset {} failed ({}); the log stays writable", name,
                    logEndOffset, e.toString());
            throw new LogStorageException(name, "rolling to a new segment at offset " + logEndOffset + " failed: " + e
                    + "; nothing was written", e);
        }
        segments.put(next.baseOffset(), next);
        activeSegment = next;
        LOG.debug("Log '{}': rolled to a new segment at offset {}", name, next.baseOffset());
        return next;
    }

    /**
     * Reads from the batch holding {@code startOffset}: whole batches up to {@code maxBytes}, and
     * always at least that first batch, so a reader makes progress whatever its limit. Stays within
     * one segment; the next read continues at {@link LogSlice#nextOffset()}.
     *
     * @throws LogOffsetOutOfRangeException unless {@code logStartOffset <= startOffset <= logEndOffset}
     *     (at the end the slice is empty)
     * @throws LogCorruptedException if a batch header on the way to {@code startOffset} is damaged
     */
    public LogSlice read(long startOffset, int maxBytes) {
        return read(startOffset, maxBytes, Long.MAX_VALUE);
    }

    /**
     * As {@link #read(long, int)}, and the slice ends before {@code maxOffset}: a stream partition
     * passes its high watermark so that no reader sees a record before it is durable. An offset at
     * or past {@code maxOffset} gives an empty slice. {@code maxOffset} must fall on a batch
     * boundary (a log end offset seen earlier, such as {@link #durableEndOffset()}), as every
     * append ends on one.
     *
     * @throws LogOffsetOutOfRangeException as {@link #read(long, int)}
     */
    public LogSlice read(long startOffset, int maxBytes, long maxOffset) {
        checkOpen();
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes=" + maxBytes + " must be positive (reading log '" + name + "')");
        }
        long endOffset = logEndOffset;
        long startOffsetOfLog = logStartOffset;
        if (startOffset < startOffsetOfLog || startOffset > endOffset) {
            throw new LogOffsetOutOfRangeException(name, startOffset, startOffsetOfLog, endOffset);
        }
        if (startOffset >= Math.min(endOffset, maxOffset)) {
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
                    SegmentFile file = segment.file();
                    long limit = file.size();
                    if (maxOffset < endOffset) {
                        // The batch starting at the bound exists; if it is in this segment the slice
                        // stops there, and if it is in a later one this segment is sealed below it.
                        long boundLocation = segment.locate(maxOffset);
                        if (boundLocation >= 0) {
                            limit = boundLocation >>> 32;
                        }
                    }
                    int bytes = (int) Math.min(Math.max(maxBytes, firstBatchBytes), limit - position);
                    return new LogSlice(name, startOffset, file, position, bytes);
                }
            }
        } catch (ClosedChannelException e) {
            checkOpen();
            // The segment was deleted and closed under us: the offset is now below the log start.
        } catch (IOException e) {
            throw new LogStorageException(name, "reading offset " + startOffset + " failed: " + e, e);
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
            throw new LogStorageException(name, "searching for timestamp " + timestampMs + " failed: " + e, e);
        }
        return OptionalLong.empty();
    }

    /**
     * Deletes every segment whose records all lie below {@code offset} (for queues: all settled).
     * When {@code offset} is the log end and the active segment holds records, the active segment
     * is rolled first (sealed, a new empty one started) so it can go too: a drained queue gives its
     * disk back. If that roll fails (disk full) the older segments are still deleted. Deletes
     * nothing (returns 0) while the {@link LogCleaner} is swapping a segment in, rather than wait;
     * the next call deletes them. Writer only.
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
            if (offset == logEndOffset && activeSegment.sizeInBytes() > 0 && failure == null) {
                try {
                    roll();
                } catch (LogStorageException e) {
                    LOG.warn("Log '{}': the settled active segment stays for now: {}", name, e.getMessage());
                }
            }
            if (!segmentRemovalLock.tryLock()) {
                LOG.debug("Log '{}': the log cleaner is swapping a segment in; deletion below {} waits for the next call",
                        name, offset);
                return 0;
            }
            int deleted = 0;
            try {
                for (LogSegment segment : segments.values()) {
                    if (segment == activeSegment || segment.nextOffset() > offset) {
                        break;
                    }
                    delete(segment, "below offset " + offset);
                    deleted++;
                }
            } finally {
                segmentRemovalLock.unlock();
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
     * least {@code retentionBytes} without them. The active segment is never deleted. A round that
     * finds the {@link LogCleaner} swapping a segment in deletes nothing rather than wait. Writer only.
     *
     * @param nowMs the current time in ms, passed in so tests control the clock
     * @return how many segments were deleted
     */
    public int applyRetention(long nowMs) {
        return applyRetention(nowMs, config.retentionMs(), config.retentionBytes());
    }

    /**
     * As {@link #applyRetention(long)} with the limits given rather than the log's config: a stream
     * topic's {@code retention.ms} and {@code retention.bytes} may change while its log is open.
     *
     * @param retentionMs -1 (or any value not positive) keeps segments whatever their age
     * @param retentionBytes -1 (or any value not positive) keeps segments whatever the total size
     */
    public int applyRetention(long nowMs, long retentionMs, long retentionBytes) {
        assert writerGuard.enter(name);
        try {
            checkOpen();
            if (!segmentRemovalLock.tryLock()) {
                LOG.debug("Log '{}': the log cleaner is swapping a segment in; retention waits for the next round", name);
                return 0;
            }
            int deleted = 0;
            try {
                if (retentionMs > 0) {
                    long oldestKeptMs = nowMs - retentionMs;
                    for (LogSegment segment : segments.values()) {
                        if (segment == activeSegment || segment.maxTimestampMs() >= oldestKeptMs) {
                            break;
                        }
                        delete(segment, "retentionMs=" + retentionMs);
                        deleted++;
                    }
                }
                if (retentionBytes > 0) {
                    long totalBytes = sizeInBytes();
                    for (LogSegment segment : segments.values()) {
                        if (segment == activeSegment || totalBytes - segment.sizeInBytes() < retentionBytes) {
                            break;
                        }
                        totalBytes -= segment.sizeInBytes();
                        delete(segment, "retentionBytes=" + retentionBytes);
                        deleted++;
                    }
                }
            } finally {
                segmentRemovalLock.unlock();
            }
            closeRetiredSegments(System.nanoTime());
            return deleted;
        } finally {
            assert writerGuard.exit();
        }
    }

    /**
     * Seals the active segment and starts a new one at the log end, if the active segment holds
     * anything: a stream topic's {@code segment.ms} rolls by age, which the log does not track.
     * Writer only.
     *
     * @return whether it rolled
     * @throws LogStorageException as an append's roll (the active segment stays as it was)
     */
    public boolean rollActiveSegment() {
        assert writerGuard.enter(name);
        try {
            checkWritable();
            if (activeSegment.sizeInBytes() == 0) {
                return false;
            }
            roll();
            return true;
        } finally {
            assert writerGuard.exit();
        }
    }

    /**
     * The largest record timestamp in the log (each segment keeps its own), or -1 if no record has
     * one. With {@link #offsetForTimestamp} it finds the record Kafka's ListOffsets MAX_TIMESTAMP asks for.
     */
    public long maxTimestampMs() {
        long max = -1;
        for (LogSegment segment : segments.values()) {
            max = Math.max(max, segment.maxTimestampMs());
        }
        return max;
    }

    /** The base offset of the segment appends go to now. */
    public long activeSegmentBaseOffset() {
        return activeSegment.baseOffset();
    }

    /** Bytes in the segment appends go to now. */
    public int activeSegmentSizeInBytes() {
        return activeSegment.sizeInBytes();
    }

    /** Removes a sealed segment; the caller holds {@link #segmentRemovalLock}. */
    private void delete(LogSegment segment, String reason) {
        assert segmentRemovalLock.isHeldByCurrentThread();
        segments.remove(segment.baseOffset());
        logStartOffset = segments.firstKey();
        try {
            if (config.segmentDeleteDelayMs() > 0) {
                // Unlinked now; the held handle lets a reader that found the segment a moment ago finish.
                segment.holdOpenForReaders();
            }
            segment.deleteFiles();
        } catch (IOException e) {
            LOG.warn("Log '{}': could not delete the files of segment {}: {}", name, segment.logFile().getFileName(), e.toString());
        }
        retiredSegments.add(new RetiredSegment(segment, System.nanoTime()));
        LOG.info("Log '{}': deleted segment {} ({}); log now starts at offset {}", name,
                segment.logFile().getFileName(), reason, logStartOffset);
    }

    private void closeRetiredSegments(long nowNanos) {
        long delayNanos = TimeUnit.MILLISECONDS.toNanos(config.segmentDeleteDelayMs());
        while (!retiredSegments.isEmpty() && nowNanos - retiredSegments.peek().retiredAtNanos >= delayNanos) {
            retiredSegments.poll().segment.close();
        }
    }

    /**
     * Fsyncs everything written so far and completes the futures it covers, on the caller's thread.
     * For {@code NEVER} logs at a checkpoint; other policies rarely need it. Writer only.
     *
     * @throws LogStorageException if the fsync fails (the log has then failed) or had failed before
     */
    public void flush() {
        assert writerGuard.enter(name);
        try {
            checkWritable();
            LogStorageException failed = syncAllWritten(SyncKind.FLUSH, true, false);
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
        Sync sync = startRequestedSync();
        if (sync != null) {
            runSync(sync, true);
        }
    }

    /**
     * Under the flusher's request: starts a sync of everything written unless a running one covers
     * it (then completes what is durable already), or notes that one is wanted if every slot is
     * busy. Package-private so a test can hold a sync between its start and {@link #runSync}.
     *
     * @return the sync to run, or null
     */
    Sync startRequestedSync() {
        flushLock.lock();
        try {
            if (closed || failure != null) {
                return null;
            }
            if (logEndOffset <= claimedEndOffset) {
                completePendingBelow(durableEndOffset);
                return null;
            }
            if (syncsRunning == SegmentFile.SYNC_SLOTS) {
                syncWanted = true;
                return null;
            }
            return startSyncLocked(SyncKind.FLUSHER);
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Claims everything written for one fsync and a slot (a descriptor) of the active segment for
     * it. The caller holds flushLock and has checked that the log is open and not failed, that the
     * end is not claimed yet and that a slot is free. Null if no descriptor could be opened: the
     * log has failed then.
     */
    private Sync startSyncLocked(SyncKind kind) {
        // Read the end before the segment: an end written to an older segment was fsynced by its roll.
        long endOffset = logEndOffset;
        LogSegment segment = activeSegment;
        int slot;
        try {
            slot = segment.file().startSync();
        } catch (IOException e) {
            failSyncLocked(segment, kind, e);
            return null;
        }
        syncsRunning++;
        claimedEndOffset = Math.max(claimedEndOffset, endOffset);
        return new Sync(segment, endOffset, slot, kind);
    }

    /**
     * Fsyncs without flushLock, then records the outcome under it: success moves the durable end
     * forward (never back: a sync that ends after one covering more changes nothing) and, if
     * {@code complete}, completes the appends below it in offset order; failure fails the log.
     *
     * @return the log's failure if this sync failed, else null
     */
    LogStorageException runSync(Sync sync, boolean complete) {
        IOException error = null;
        try {
            sync.segment().file().forceSlot(sync.slot());
        } catch (IOException e) {
            error = e;
        }
        boolean askAgain;
        LogStorageException failed = null;
        flushLock.lock();
        try {
            syncsRunning--;
            if (error != null) {
                failed = failSyncLocked(sync.segment(), sync.kind(), error);
            } else if (failure == null && sync.endOffset() > durableEndOffset) {
                durableEndOffset = sync.endOffset();
            }
            // Only now, with the outcome recorded: see SegmentFile.startSync. Before the completions:
            // a callback may flush or close the log, which must not count this sync as running.
            sync.segment().file().endSync(sync.slot());
            if (complete && failure == null) {
                completePendingBelow(durableEndOffset);
            }
            // A sync that does not complete (a roll's, on the writer) may be the last to end: a flusher
            // pass that found the end claimed by it left the appends it covers to whoever completes
            // next, and with no append after them nobody would. A flusher pass completes them.
            askAgain = (syncWanted || !complete && hasPendingBelow(durableEndOffset)) && failure == null && !closed;
            syncWanted = false;
            syncEnded.signalAll();
        } finally {
            flushLock.unlock();
        }
        if (askAgain && syncScheduled.compareAndSet(false, true)) {
            flusher.requestSync(this);
        }
        return failed;
    }

    /** Whether an append below {@code endOffset} still waits for its future. Under flushLock. */
    private boolean hasPendingBelow(long endOffset) {
        PendingAppend oldest = pendingAppends.peek();
        return oldest != null && oldest.result.lastOffset() < endOffset;
    }

    /**
     * For the writer (roll, flush, close): returns once everything written so far is durable,
     * starting a sync when no running one covers it, waiting when every slot is busy or a running
     * sync covers it. A roll and a close ({@code ownSync}) always run an fsync of their own, even
     * if nothing new was written: it also makes durable what an append cut back after a failed
     * write changed in the file. If {@code complete}, completes the appends that are durable, on
     * this thread.
     *
     * @return the log's failure, if it has failed (by this call or before)
     */
    private LogStorageException syncAllWritten(SyncKind kind, boolean complete, boolean ownSync) {
        long endOffset = logEndOffset;
        boolean ranOwn = false;
        while (true) {
            Sync sync = null;
            flushLock.lock();
            try {
                boolean needed = ownSync ? !ranOwn : durableEndOffset < endOffset;
                if (failure == null && !closed && needed) {
                    if ((ownSync || claimedEndOffset < endOffset) && syncsRunning < SegmentFile.SYNC_SLOTS) {
                        sync = startSyncLocked(kind);
                    } else {
                        syncEnded.awaitUninterruptibly();
                        continue;
                    }
                }
                if (sync == null) {
                    if (complete && failure == null) {
                        completePendingBelow(durableEndOffset);
                    }
                    return failure;
                }
            } finally {
                flushLock.unlock();
            }
            runSync(sync, complete);
            ranOwn = true;
        }
    }

    /**
     * A sync failed: the kernel may have dropped pages it covered. Everything before its segment
     * was fsynced by the roll that sealed the one before; everything after fails. Under flushLock.
     */
    private LogStorageException failSyncLocked(LogSegment segment, SyncKind kind, IOException cause) {
        if (failure == null) {
            durableEndOffset = Math.max(durableEndOffset, segment.baseOffset());
            completePendingBelow(durableEndOffset);
        }
        String what = switch (kind) {
            case ROLL -> "the fsync sealing segment " + segment.logFile().getFileName();
            case CLOSE -> "the final fsync on close";
            case FLUSHER, FLUSH -> "the fsync of " + segment.logFile().getFileName();
        };
        return failWrites(what, cause);
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
     * The log no longer knows what is on disk (a failed fsync, or a failed write it could not cut
     * back): every pending append fails, and so does every later append until a reopen.
     */
    private LogStorageException failWrites(String what, IOException cause) {
        LogStorageException exception = new LogStorageException(name, what + " failed: " + cause
                + "; the log refuses appends until it is closed and opened again", cause);
        flushLock.lock();
        try {
            if (failure == null) {
                failure = exception;
                LOG.error("Log '{}': {} failed ({}); appends not yet durable are failed, and the log refuses appends "
                        + "until it is reopened", name, what, cause.toString());
            }
            failPending(exception);
        } finally {
            flushLock.unlock();
        }
        return exception;
    }

    /**
     * Fsyncs and closes the log: every append that returned is on disk and its future complete
     * when this returns; later calls throw {@link LogClosedException}. After a failure, cuts the
     * records whose appends failed from the newest segment instead. Idempotent. Writer only: call
     * it from the writer, or after the writer has stopped.
     *
     * @throws LogStorageException if the final fsync fails (everything is released all the same)
     */
    @Override
    public void close() {
        assert writerGuard.enter(name);
        try {
            if (closed) {
                return;
            }
            LogStorageException finalSyncFailure = null;
            segmentRemovalLock.lock();
            try {
                flushLock.lock();
                try {
                    if (failure == null) {
                        finalSyncFailure = syncAllWritten(SyncKind.CLOSE, true, true);
                    }
                    // Syncs covering less may still run (one covering more ended first): their descriptors
                    // must not close under them, and no sync may record an outcome after the close.
                    while (syncsRunning > 0) {
                        syncEnded.awaitUninterruptibly();
                    }
                    closed = true;
                    failPending(failure != null ? failure : new LogClosedException(name, "complete an append"));
                    if (failure != null) {
                        cutFailedAppends();
                    }
                    for (LogSegment segment : segments.values()) {
                        segment.close();
                    }
                    while (!retiredSegments.isEmpty()) {
                        retiredSegments.poll().segment.close();
                    }
                    RetiredSegment cleaned;
                    while ((cleaned = cleanedAway.poll()) != null) {
                        cleaned.segment.close();
                    }
                } finally {
                    flushLock.unlock();
                }
            } finally {
                segmentRemovalLock.unlock();
            }
            if (flusher != null) {
                flusher.unregisterInterval(this);
                if (ownsFlusher) {
                    flusher.close();
                }
            }
            OpenLogDirectories.release(fileSystem, directory, directoryClaim);
            LOG.info("Closed log '{}' at offsets [{}, {})", name, logStartOffset, logEndOffset);
            if (finalSyncFailure != null) {
                throw finalSyncFailure;
            }
        } finally {
            assert writerGuard.exit();
        }
    }

    /**
     * After a failure, removes from the newest segment the records whose appends failed, so that
     * reopening does not bring back records their writers were told were not stored. Best effort:
     * if this fails too, they may come back (at least once, never lost).
     */
    private void cutFailedAppends() {
        LogSegment segment = activeSegment;
        long cutOffset = Math.max(durableEndOffset, segment.baseOffset());
        if (cutOffset >= logEndOffset) {
            return;
        }
        try {
            long location = segment.locate(cutOffset);
            if (location >= 0) {
                segment.truncateTo((int) (location >>> 32));
                segment.flush();
                LOG.warn("Log '{}': cut the records of failed appends, offsets {}..{}, from segment {}", name, cutOffset,
                        logEndOffset - 1, segment.logFile().getFileName());
                logEndOffset = cutOffset;
            }
        } catch (IOException | LogCorruptedException e) {
            LOG.warn("Log '{}': could not cut the records of failed appends (offsets {}..{}): {}", name, cutOffset,
                    logEndOffset - 1, e.toString());
        }
    }

    /** The sealed segments, oldest first: every segment but the active one. Safe from any thread. */
    List<LogSegment> sealedSegments() {
        LogSegment active = activeSegment;
        List<LogSegment> sealed = new java.util.ArrayList<>();
        for (LogSegment segment : segments.values()) {
            if (segment == active || segment.baseOffset() >= active.baseOffset()) {
                break;
            }
            sealed.add(segment);
        }
        return sealed;
    }

    /**
     * Replaces sealed segment {@code original} with the cleaned copy the {@link LogCleaner} wrote
     * and fsynced at {@link SegmentSwap#cleanedFile}, in the steps {@link SegmentSwap} describes.
     * Readers that found the original keep reading it (its file stays open until the cleaner
     * closes it, {@link LogConfig#segmentDeleteDelayMs()} later); later readers find the copy.
     * The cleaner's thread; never blocks the writer except a retention or deletion that waits
     * for the renames.
     *
     * @param batches the cleaned file's batches in order, to index it without reading it again
     * @param beforeInstall a test hook run after the swap is committed and before it is installed
     * @return false if the original has left the log meanwhile (or the log closed): the copy is deleted
     * @throws IllegalStateException if the batches end at another offset than the original (nothing swapped, the copy deleted)
     */
    boolean swapInCleaned(LogSegment original, List<CleanedBatch> batches, Runnable beforeInstall) throws IOException {
        long baseOffset = original.baseOffset();
        segmentRemovalLock.lock();
        try {
            if (closed || segments.get(baseOffset) != original || original == activeSegment) {
                fileSystem.deleteIfExists(SegmentSwap.cleanedFile(directory, baseOffset));
                return false;
            }
            long nextOffset = batches.isEmpty() ? baseOffset : batches.get(batches.size() - 1).lastOffset() + 1;
            if (nextOffset != original.nextOffset()) {
                // Checked before the commit: once committed, the next open would install the copy whatever happens here.
                fileSystem.deleteIfExists(SegmentSwap.cleanedFile(directory, baseOffset));
                throw new IllegalStateException("cleaned segment " + LogSegment.fileStem(baseOffset) + " of log '" + name
                        + "' ends at offset " + nextOffset + ", the original at " + original.nextOffset());
            }
            SegmentSwap.commit(fileSystem, directory, baseOffset);
            beforeInstall.run();
            // Pinned: were its handle closed now, reopening it by name would find the copy's bytes.
            original.holdOpenForReaders();
            try {
                SegmentSwap.install(fileSystem, directory, baseOffset);
            } catch (IOException e) {
                // The swap is committed on disk; the next open finishes it. Until then the original serves.
                OpenLogDirectories.markUnsynced(fileSystem, directory);
                throw e;
            }
            LogSegment replacement = new LogSegment(name, directory, baseOffset,
                    SegmentFile.open(cache, LogSegment.logFile(directory, baseOffset)), fileSystem, config.indexIntervalBytes());
            for (CleanedBatch batch : batches) {
                replacement.recovered(batch.baseOffset(), batch.lastOffset(), batch.position(), batch.bytes(),
                        batch.maxTimestampMs());
            }
            replacement.sealIndexes();
            try {
                replacement.writeIndexes();
            } catch (IOException e) {
                // The in-memory indexes serve; the next open rebuilds the files from the segment.
                LOG.warn("Log '{}': writing the indexes of cleaned segment {} failed: {}", name,
                        LogSegment.fileStem(baseOffset), e.toString());
            }
            segments.put(baseOffset, replacement);
            cleanedAway.add(new RetiredSegment(original, System.nanoTime()));
            return true;
        } finally {
            segmentRemovalLock.unlock();
        }
    }

    /** Closes the segments the cleaner replaced once no reader can still be using them. The cleaner's thread. */
    void closeCleanedAwaySegments(long nowNanos) {
        long delayNanos = TimeUnit.MILLISECONDS.toNanos(config.segmentDeleteDelayMs());
        RetiredSegment retired;
        while ((retired = cleanedAway.peek()) != null && nowNanos - retired.retiredAtNanos >= delayNanos) {
            if (cleanedAway.remove(retired)) {
                retired.segment.close();
            }
        }
    }

    /** One batch of a cleaned segment file: where it lies and what it covers. */
    record CleanedBatch(long baseOffset, long lastOffset, int position, int bytes, long maxTimestampMs) {
    }

    /**
     * Forgets this log as a crashed process would: no flush, no close of files (they belong to a
     * file system the caller is throwing away), the directory claim released, pending futures left
     * incomplete. Only for tests that simulate a crash inside one JVM.
     */
    void abandonAfterSimulatedCrash() {
        closed = true;
        if (flusher != null) {
            flusher.unregisterInterval(this);
            if (ownsFlusher) {
                flusher.close();
            }
        }
        OpenLogDirectories.release(fileSystem, directory, directoryClaim);
    }

    /** The log's name: its directory's name. */
    public String name() {
        return name;
    }

    public Path directory() {
        return directory;
    }

    FileHandleCache cache() {
        return cache;
    }

    LogConfig config() {
        return config;
    }

    /**
     * The damaged regions of this log's segments, in offset order (empty if none): those this open
     * found and set aside ({@link LogDamage#newlyFound()}, each logged at ERROR) and those earlier
     * opens recorded in segments that still exist. For each: the segment file, the offsets lost
     * and the {@code .corrupt} file holding the bytes. The offsets lost read as empty batches; the
     * owner should report new losses and settle every lost offset (again, harmlessly). Immutable.
     */
    public List<LogDamage> damage() {
        return damage;
    }

    /**
     * Whether an fsync failed (or a failed write could not be cut back): the log then refuses
     * appends until it is closed and opened again. Reads still work.
     */
    public boolean hasFailed() {
        return failure != null;
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
            throw new LogStorageException(name, "refusing appends after an earlier failure; close and reopen the log",
                    failed);
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

    /** Why a sync runs: its failure message says so. */
    enum SyncKind { FLUSHER, FLUSH, ROLL, CLOSE }

    /** One fsync started and not yet ended: the segment, the end it makes durable, the descriptor slot it uses, why. */
    record Sync(LogSegment segment, long endOffset, int slot, SyncKind kind) {
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
