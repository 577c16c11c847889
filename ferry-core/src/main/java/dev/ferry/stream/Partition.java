package dev.ferry.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.LogSlice;

/**
 * One partition of a topic: a {@link Log} and the state Kafka keeps beside it — the log start
 * offset, the high watermark, the leader epoch and the idempotent producers' sequences.
 *
 * <h2>Threads</h2>
 * Every change ({@link #append}, {@link #deleteRecordsBefore}, retention and segment roll, close)
 * is a command run by the partition's owner: one thread of a small pool, the same for the
 * partition's whole life, so its log has one writer and its producer state needs no lock. A command
 * carries the time it was issued at; nothing in it reads a clock. Readers ({@link #read},
 * {@link #offsetForTimestamp}, the offset getters, {@link #whenHighWatermarkAbove}) never go
 * through the owner and may call from any thread.
 *
 * <h2>Durability</h2>
 * An append's future completes once its batch is fsynced (the broker's {@link LogFlusher} group
 * commit: one fsync for every batch written meanwhile), and the high watermark is the durable end
 * of the log: a reader never sees a record that a crash could take back.
 *
 * <h2>Files</h2>
 * The log's directory ({@code <data>/topics/<topic>-<partition>/}) also holds
 * {@code partition.metadata} (the topic id the directory belongs to, so a directory left by a
 * deleted topic of the same name is never taken for the new one's) and {@code log-start-offset}
 * (the start {@link #deleteRecordsBefore} moved to inside a segment); both written atomically.
 * And {@code producer-state.snapshot} ({@link ProducerStateSnapshot}), written at close and by
 * maintenance, so that an open rebuilds producer state from the batches after it only.
 *
 * <h2>Transactions</h2>
 * Transactional batches open a transaction of their producer on the partition; a marker
 * ({@link #writeTransactionMarker}, a control batch written for the transaction coordinator) ends
 * it. {@link #lastStableOffset} and {@link #readCommitted} bound {@code read_committed} readers by
 * the first undecided transaction, and {@link #abortedTransactions} is the aborted-transaction
 * index ({@link PartitionTransactions}). A partition that ever took a transactional batch is marked
 * by a {@code transactional} file and rebuilds all this (with its producer state) from every batch
 * header at open, not from the snapshot.
 */
public final class Partition {
    private static final Logger LOG = LoggerFactory.getLogger(Partition.class);
    static final String METADATA_FILE = "partition.metadata";
    static final String LOG_START_FILE = "log-start-offset";
    /** Present once the partition has held a transactional batch: its open rebuilds transactions from the whole log. */
    static final String TRANSACTIONAL_FILE = "transactional";
    private static final int SCAN_BYTES = 1024 * 1024;
    /** Kafka's {@code producer.id.expiration.ms}: a producer silent this long is forgotten. */
    static final long PRODUCER_ID_EXPIRATION_MS = 86_400_000L;

    private final String topic;
    private final UUID topicId;
    private final int index;
    private final String name;
    private final Log log;
    private final Executor owner;
    private final int leaderEpoch;
    private final HighWatermarkWaiters waiters;
    private volatile TopicConfig config;
    private volatile long logStartOffset;
    private volatile boolean closed;

    // Owner-only.
    private final ProducerStateTable producers = new ProducerStateTable();
    private final PartitionTransactions transactions = new PartitionTransactions();
    private boolean transactional;
    /** Owner only: per producer, the verification its transactional batches wait on until its next marker. */
    private final Map<Long, Object> verificationGuards = new HashMap<>();
    private long activeSegmentBaseOffset;
    private long activeSegmentSinceMs;
    private long lastSnapshotOffset = -1;
    /** How many batch headers the open read to rebuild producer state (for tests of the snapshot). */
    int batchesScannedAtOpen;

    private Partition(String topic, UUID topicId, int index, Log log, Executor owner, TopicConfig config,
            long logStartOffset, int leaderEpoch, long nowMs) {
        this.topic = topic;
        this.topicId = topicId;
        this.index = index;
        this.name = topic + "-" + index;
        this.log = log;
        this.owner = owner;
        this.config = config;
        this.logStartOffset = logStartOffset;
        this.leaderEpoch = leaderEpoch;
        this.waiters = new HighWatermarkWaiters(log::durableEndOffset);
        this.activeSegmentBaseOffset = log.activeSegmentBaseOffset();
        this.activeSegmentSinceMs = nowMs;
    }

    /**
     * Opens (creating if needed) the partition in {@code directory}: its log, its log start
     * checkpoint, its producer state rebuilt from the log's batch headers. Runs on the caller's
     * thread; afterwards the owner is the log's writer.
     *
     * @throws IOException if the partition's small files cannot be read or written
     */
    static Partition open(String topic, UUID topicId, int index, Path directory, TopicConfig config,
            LogFlusher flusher, FileHandleCache files, Executor owner, long nowMs) throws IOException {
        Log log = Log.open(directory, logConfig(config), flusher, files);
        try {
            Path metadata = directory.resolve(METADATA_FILE);
            if (!Files.exists(metadata)) {
                SmallFiles.writeDurably(metadata, "version: 0\ntopic_id: " + topicId + "\n");
            }
            long checkpointed = readLogStart(directory.resolve(LOG_START_FILE));
            long start = Math.max(log.logStartOffset(), Math.min(checkpointed, log.logEndOffset()));
            Partition partition = new Partition(topic, topicId, index, log, owner, config, start, 0, nowMs);
            partition.transactional = Files.exists(directory.resolve(TRANSACTIONAL_FILE));
            partition.rebuildProducerState();
            return partition;
        } catch (IOException | RuntimeException e) {
            log.close();
            throw e;
        }
    }

    /** The topic id a partition directory belongs to, from its {@code partition.metadata}; null if it has none. */
    static UUID directoryTopicId(Path directory) throws IOException {
        Path metadata = directory.resolve(METADATA_FILE);
        if (!Files.exists(metadata)) {
            return null;
        }
        String id = SmallFiles.readPairs(metadata).get("topic_id");
        try {
            return id == null ? null : UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new IOException(metadata + ": topic_id '" + id + "' is not a UUID", e);
        }
    }

    private static long readLogStart(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        String value = SmallFiles.readPairs(file).get("log_start_offset");
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IOException(file + ": log_start_offset '" + value + "' is not a number", e);
        }
    }

    static LogConfig logConfig(TopicConfig config) {
        // Retention runs from the partition's maintenance with the topic's current values, not from the log config.
        return new LogConfig()
                .segmentBytesMax(config.segmentBytes())
                .batchBytesMax(config.segmentBytes())
                .indexIntervalBytes(config.indexIntervalBytes())
                .segmentDeleteDelayMs(config.fileDeleteDelayMs())
                .fsyncPolicy(FsyncPolicy.ALWAYS)
                // Only the newest segment can be torn by a crash (a roll fsyncs the sealed one);
                // damage in sealed segments is found by the reader that meets it.
                .validateSegmentsAtOpen(false);
    }

    /**
     * Loads the producer state snapshot if it can be trusted, then replays the batch headers after
     * it (all of them without one) into the producer state table. Opener only.
     */
    private void rebuildProducerState() {
        StringBuilder problem = new StringBuilder();
        // Transactions are not in the snapshot: a transactional partition reads every batch header.
        long snapshotOffset = transactional ? -1
                : ProducerStateSnapshot.load(log.directory(), producers, log.logEndOffset(), problem);
        if (problem.length() > 0) {
            LOG.warn("Partition {}: producer state snapshot not used ({}); scanning the whole log", name, problem);
        }
        long offset = Math.max(log.logStartOffset(), snapshotOffset);
        long end = log.logEndOffset();
        int batches = 0;
        while (offset < end) {
            ByteBuffer bytes = log.read(offset, SCAN_BYTES).readBytes();
            long next = offset;
            int at = 0;
            while (bytes.limit() - at >= ProducedBatch.HEADER_BYTES) {
                int batchBytes = ProducedBatch.LOG_OVERHEAD_BYTES + bytes.getInt(at + ProducedBatch.LENGTH);
                if (batchBytes < ProducedBatch.HEADER_BYTES || at + batchBytes > bytes.limit()) {
                    break;
                }
                ByteBuffer batch = bytes.duplicate().position(at).limit(at + batchBytes);
                long baseOffset = batch.getLong(at);
                long lastOffset = baseOffset + batch.getInt(at + ProducedBatch.LAST_OFFSET_DELTA);
                long producerId = ProducedBatch.producerId(batch);
                int recordCount = ProducedBatch.recordCount(batch);
                if (producerId >= 0 && ProducedBatch.isControl(batch)) {
                    ControlRecordType type = ProducedBatch.controlType(batch);
                    if (type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT) {
                        producers.recordMarker(producerId, ProducedBatch.producerEpoch(batch), baseOffset,
                                ProducedBatch.maxTimestamp(batch));
                        transactions.end(producerId, baseOffset, type == ControlRecordType.COMMIT, end);
                    }
                } else if (producerId >= 0) {
                    // A batch the log cleaner cut to its header (no records) still carries its producer's sequence.
                    if (ProducedBatch.isTransactional(batch) && recordCount > 0) {
                        transactions.begin(producerId, baseOffset);
                    }
                    int firstSequence = ProducedBatch.baseSequence(batch);
                    producers.record(producerId, ProducedBatch.producerEpoch(batch),
                            // The offset span, not the record count: compaction may have removed records.
                            new ProducerStateTable.BatchMetadata(firstSequence,
                                    ProducerStateTable.lastSequence(firstSequence, (int) (lastOffset - baseOffset) + 1),
                                    baseOffset, lastOffset,
                                    ProducedBatch.maxTimestamp(batch)), ProducedBatch.maxTimestamp(batch));
                    batches++;
                }
                next = Math.max(next, lastOffset + 1);
                at += batchBytes;
            }
            if (next <= offset) {
                throw new BrokerException(ErrorCode.STORAGE_ERROR, "partition " + name
                        + ": cannot read the batch header at offset " + offset + " to rebuild producer state");
            }
            offset = next;
        }
        producers.forgetBelow(logStartOffset);
        batchesScannedAtOpen = batches;
        lastSnapshotOffset = snapshotOffset;
        if (batches > 0) {
            LOG.info("Partition {}: producer state of {} producers rebuilt from {} batches{}", name, producers.size(),
                    batches, snapshotOffset >= 0 ? " after the snapshot at offset " + snapshotOffset : "");
        }
    }

    /** Writes the producer state snapshot if the log moved since the last one. Owner only. */
    private void snapshotProducerState() {
        long end = log.logEndOffset();
        if (end == lastSnapshotOffset) {
            return;
        }
        try {
            ProducerStateSnapshot.write(log.directory(), end, producers);
            lastSnapshotOffset = end;
        } catch (IOException e) {
            LOG.warn("Partition {}: writing the producer state snapshot failed ({}); the next open scans more of the log",
                    name, e.toString());
        }
    }

    /**
     * Appends one batch as a Kafka producer sent it (RecordBatch v2, compressed or not):
     * checked (shape, size, timestamps, CRC: a corrupt batch is refused with
     * {@link ErrorCode#CORRUPT_RECORD} and never stored), checked against the producer's
     * sequence if it is idempotent (a retried duplicate gets its original offsets and is not stored
     * again), given its offsets and the leader epoch in place, and written. When the topic's
     * {@code compression.type} names a codec and the batch is in another, what is written is the
     * batch rebuilt in that codec (same producer fields, flags, timestamps and records; new CRC).
     *
     * <p>The buffer belongs to the partition until the future completes: its base offset, leader
     * epoch (and under {@code LogAppendTime} its timestamp and CRC) are overwritten in it.
     *
     * @param batch one batch, from position to limit; a heap or direct buffer, not read-only
     * @param nowMs the time of the request, for timestamp checks and {@code LogAppendTime}
     * @return completes once the batch is durable (fsynced); fails with a {@link BrokerException}
     */
    public CompletableFuture<AppendResult> append(ByteBuffer batch, long nowMs) {
        return append(batch, nowMs, AckLevel.DURABLE);
    }

    /**
     * As {@link #append(ByteBuffer, long)}, answered at {@code level}: once durable, or once written
     * (the fsync follows as for any batch; readers still wait for it). Answered early, the buffer
     * is the caller's again at once: the write has copied it.
     */
    public CompletableFuture<AppendResult> append(ByteBuffer batch, long nowMs, AckLevel level) {
        CompletableFuture<AppendResult> result = new CompletableFuture<>();
        if (!submit(() -> applyAppend(batch, nowMs, level, result))) {
            result.completeExceptionally(StreamErrors.unknownPartition(topic, index));
        }
        return result;
    }

    /**
     * As {@link #append(ByteBuffer, long, AckLevel)}; a transactional batch that would open its
     * producer's transaction here is appended only once {@code verifier} confirms the transaction
     * holds this partition. A marker of the producer written while the coordinator is asked (the
     * transaction ended meanwhile) refuses the batch with INVALID_TXN_STATE: it would open a
     * transaction that nothing closes. Batches of a transaction already open here, and batches that
     * are not transactional, are not verified.
     *
     * @param verifier null appends without verifying
     */
    public CompletableFuture<AppendResult> append(ByteBuffer batch, long nowMs, AckLevel level,
                                                  TransactionVerifier verifier) {
        if (verifier == null || !isTransactionalBatch(batch)) {
            return append(batch, nowMs, level);
        }
        CompletableFuture<AppendResult> result = new CompletableFuture<>();
        if (!submit(() -> verifyThenAppend(batch, nowMs, level, verifier, result))) {
            result.completeExceptionally(StreamErrors.unknownPartition(topic, index));
        }
        return result;
    }

    /** Whether {@code batch} (from its position) is a whole batch header flagged transactional; false when too short to tell. */
    public static boolean isTransactionalBatch(ByteBuffer batch) {
        return batch.remaining() >= ProducedBatch.HEADER_BYTES && ProducedBatch.isTransactional(batch);
    }

    private void verifyThenAppend(ByteBuffer batch, long nowMs, AckLevel level, TransactionVerifier verifier,
                                  CompletableFuture<AppendResult> result) {
        long producerId = ProducedBatch.producerId(batch);
        if (closed || transactions.isOpen(producerId)) {
            applyAppend(batch, nowMs, level, result);
            return;
        }
        // Shared by every batch of the producer verified before its next marker: a batch verified
        // while an earlier one was still being verified is not refused for that.
        Object guard = verificationGuards.computeIfAbsent(producerId, id -> new Object());
        CompletionStage<ErrorCode> verified;
        try {
            verified = verifier.verify(producerId, ProducedBatch.producerEpoch(batch));
        } catch (RuntimeException e) {
            verified = CompletableFuture.failedFuture(e);
        }
        verified.whenComplete((error, failure) -> {
            boolean submitted = submit(() -> {
                if (failure != null || error != null) {
                    verificationGuards.remove(producerId, guard);
                    result.completeExceptionally(failure != null ? StreamErrors.translate(failure, name)
                            : new BrokerException(error, "partition " + name + " refused a transactional batch of producer "
                                    + producerId + ": the transaction coordinator did not confirm it holds the partition"));
                } else if (verificationGuards.get(producerId) != guard) {
                    result.completeExceptionally(new BrokerException(ErrorCode.INVALID_TXN_STATE, "partition " + name
                            + " refused a transactional batch of producer " + producerId
                            + ": its transaction ended while the batch was verified"));
                } else {
                    applyAppend(batch, nowMs, level, result);
                }
            });
            if (!submitted) {
                result.completeExceptionally(StreamErrors.unknownPartition(topic, index));
            }
        });
    }

    private void applyAppend(ByteBuffer sent, long nowMs, AckLevel level, CompletableFuture<AppendResult> result) {
        try {
            if (closed) {
                throw StreamErrors.unknownPartition(topic, index);
            }
            TopicConfig topicConfig = config;
            int maxBatchBytes = Math.min(topicConfig.maxMessageBytes(), topicConfig.segmentBytes());
            ProducedBatch.checkShape(sent, maxBatchBytes, name);
            ByteBuffer batch = inTopicCompression(sent, topicConfig.compression(), maxBatchBytes);
            long appendTimeMs = -1;
            if (topicConfig.logAppendTime()) {
                if (!ProducedBatch.crcMatches(batch)) {
                    throw new BrokerException(ErrorCode.CORRUPT_RECORD, "partition " + name
                            + " refused a batch: it fails its CRC check");
                }
                ProducedBatch.stampLogAppendTime(batch, nowMs);
                appendTimeMs = nowMs;
            } else {
                checkTimestamps(batch, topicConfig, nowMs, name);
            }
            int recordCount = ProducedBatch.recordCount(batch);
            long producerId = ProducedBatch.producerId(batch);
            short producerEpoch = 0;
            int firstSequence = 0;
            int lastSequence = 0;
            if (producerId != ProducerStateTable.NO_PRODUCER_ID) {
                producerEpoch = ProducedBatch.producerEpoch(batch);
                firstSequence = ProducedBatch.baseSequence(batch);
                if (producerId < 0 || producerEpoch < 0 || firstSequence < 0) {
                    throw new BrokerException(ErrorCode.INVALID_RECORD, "partition " + name + " refused a batch: producer id "
                            + producerId + ", epoch " + producerEpoch + ", sequence " + firstSequence);
                }
                lastSequence = ProducerStateTable.lastSequence(firstSequence, recordCount);
                ProducerStateTable.Check check = producers.check(producerId, producerEpoch, firstSequence, lastSequence);
                if (check.isDuplicate()) {
                    answerDuplicate(batch, check.duplicate(), result);
                    return;
                }
            }
            long firstOffset = log.logEndOffset();
            long lastOffset = firstOffset + recordCount - 1;
            long startAtAppend = logStartOffset;
            boolean inTransaction = ProducedBatch.isTransactional(batch);
            if (inTransaction) {
                markTransactional();
            }
            CompletableFuture<dev.ferry.log.AppendResult> written = log.appendBatch(batch, leaderEpoch);
            if (producerId != ProducerStateTable.NO_PRODUCER_ID) {
                producers.record(producerId, producerEpoch, new ProducerStateTable.BatchMetadata(firstSequence,
                        lastSequence, firstOffset, lastOffset, ProducedBatch.maxTimestamp(batch)), nowMs);
            }
            if (inTransaction) {
                transactions.begin(producerId, firstOffset);
            }
            noteActiveSegment(nowMs);
            AppendResult appendResult = new AppendResult(firstOffset, lastOffset, appendTimeMs, startAtAppend);
            if (level == AckLevel.WRITTEN) {
                // A later fsync failure fails the log (and every append after it), not this answer.
                result.complete(appendResult);
            }
            written.whenComplete((appended, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(StreamErrors.translate(failure, name));
                    return;
                }
                waiters.advanced(log.durableEndOffset());
                result.complete(appendResult);
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(StreamErrors.translate(e, name));
        }
    }

    /**
     * The batch in the topic's {@code compression.type}, as Kafka stores it: as sent when the topic
     * says {@code producer} (null) or the codec is already the topic's (a different level does not
     * count, as in Kafka), else rebuilt in the topic's codec, after its CRC is checked, and checked
     * again against the size limit (a batch may grow, decompressed).
     */
    private ByteBuffer inTopicCompression(ByteBuffer sent, Compression target, int maxBatchBytes) {
        if (target == null || ProducedBatch.compressionId(sent) == target.type().id) {
            return sent;
        }
        if (!ProducedBatch.crcMatches(sent)) {
            throw new BrokerException(ErrorCode.CORRUPT_RECORD, "partition " + name + " refused a batch: it fails its CRC check");
        }
        ByteBuffer rebuilt = ProducedBatch.recompress(sent, target, maxBatchBytes, name);
        ProducedBatch.checkShape(rebuilt, maxBatchBytes, name);
        return rebuilt;
    }

    /** Writes the {@code transactional} file before the partition's first transactional batch. Owner only. */
    private void markTransactional() {
        if (transactional) {
            return;
        }
        try {
            SmallFiles.writeDurably(log.directory().resolve(TRANSACTIONAL_FILE), "version: 0\n");
        } catch (IOException e) {
            throw new BrokerException(ErrorCode.STORAGE_ERROR, "partition " + name + ": writing " + TRANSACTIONAL_FILE
                    + " failed: " + e);
        }
        transactional = true;
    }

    /**
     * Writes a transaction marker (a control batch) for {@code producerId}: COMMIT or ABORT ends the
     * producer's transaction on this partition, and its epoch becomes the producer's here, fencing
     * batches of older epochs. A marker for a producer with no open transaction here is written all
     * the same (the coordinator rewrites markers after a restart) and changes nothing else.
     *
     * @return completes with the marker's offset once it is durable; fails with
     *     {@link ErrorCode#INVALID_PRODUCER_EPOCH} if the partition knows a newer epoch of the producer
     */
    public CompletableFuture<Long> writeTransactionMarker(long producerId, short producerEpoch, boolean commit,
            int coordinatorEpoch, long nowMs) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        if (!submit(() -> applyMarker(producerId, producerEpoch, commit, coordinatorEpoch, nowMs, result))) {
            result.completeExceptionally(StreamErrors.unknownPartition(topic, index));
        }
        return result;
    }

    private void applyMarker(long producerId, short producerEpoch, boolean commit, int coordinatorEpoch, long nowMs,
            CompletableFuture<Long> result) {
        try {
            if (closed) {
                throw StreamErrors.unknownPartition(topic, index);
            }
            ProducerStateTable.ProducerEntry entry = producers.entry(producerId);
            if (entry != null && entry.epoch() > producerEpoch) {
                throw new BrokerException(ErrorCode.INVALID_PRODUCER_EPOCH, "partition " + name + ": a marker of producer "
                        + producerId + " epoch " + producerEpoch + ", older than the partition's " + entry.epoch());
            }
            markTransactional();
            long offset = log.logEndOffset();
            ByteBuffer marker = ProducedBatch.transactionMarker(offset, nowMs, leaderEpoch, producerId, producerEpoch,
                    commit, coordinatorEpoch);
            CompletableFuture<dev.ferry.log.AppendResult> written = log.appendBatch(marker, leaderEpoch);
            producers.recordMarker(producerId, producerEpoch, offset, nowMs, coordinatorEpoch);
            verificationGuards.remove(producerId);
            transactions.end(producerId, offset, commit, highWatermark());
            noteActiveSegment(nowMs);
            written.whenComplete((appended, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(StreamErrors.translate(failure, name));
                    return;
                }
                waiters.advanced(log.durableEndOffset());
                result.complete(offset);
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(StreamErrors.translate(e, name));
        }
    }

    /**
     * Kafka's timestamp window for CreateTime topics, record by record. The header's maximum
     * settles the common case without reading a record: nothing is too new when the maximum is not,
     * and nothing is too old while the lower bound is below zero (the default, an unbounded past).
     */
    private static void checkTimestamps(ByteBuffer batch, TopicConfig config, long nowMs, String name) {
        long lowest = nowMs - config.timestampBeforeMaxMs();
        long highest = nowMs + config.timestampAfterMaxMs();
        long maxTimestamp = ProducedBatch.maxTimestamp(batch);
        if (lowest < 0 && (maxTimestamp < 0 || maxTimestamp - nowMs <= config.timestampAfterMaxMs())) {
            return;
        }
        if (!ProducedBatch.crcMatches(batch)) {
            throw new BrokerException(ErrorCode.CORRUPT_RECORD, "partition " + name + " refused a batch: it fails its CRC check");
        }
        List<RecordTimestampsRefused.RefusedRecord> refused = new ArrayList<>();
        int index = 0;
        try {
            for (RecordBatch each : MemoryRecords.readableRecords(batch.duplicate()).batches()) {
                for (Record record : each) {
                    long timestamp = record.timestamp();
                    if (timestamp != RecordBatch.NO_TIMESTAMP && (timestamp < lowest || timestamp > highest)) {
                        refused.add(new RecordTimestampsRefused.RefusedRecord(index, "Timestamp " + timestamp
                                + " of message with offset " + record.offset() + " is out of range. The timestamp should be within ["
                                + lowest + ", " + highest + "]"));
                    }
                    index++;
                }
            }
        } catch (KafkaException e) {
            // A CRC covers the bytes, not their sense: records that do not decode are as corrupt.
            throw new BrokerException(ErrorCode.CORRUPT_RECORD, "partition " + name + " refused a batch: its records do not decode ("
                    + e.getMessage() + ")");
        }
        if (!refused.isEmpty()) {
            throw new RecordTimestampsRefused(refused);
        }
    }

    /** A retried batch: its original offsets, once they are durable (they may still be on their way to the disk). */
    private void answerDuplicate(ByteBuffer batch, ProducerStateTable.BatchMetadata original,
            CompletableFuture<AppendResult> result) {
        if (!ProducedBatch.crcMatches(batch)) {
            throw new BrokerException(ErrorCode.CORRUPT_RECORD, "partition " + name + " refused a batch: it fails its CRC check");
        }
        AppendResult answer = new AppendResult(original.firstOffset(), original.lastOffset(), -1, logStartOffset);
        waiters.register(original.lastOffset(), () -> {
            if (highWatermark() > original.lastOffset()) {
                result.complete(answer);
            } else {
                result.completeExceptionally(new BrokerException(ErrorCode.STORAGE_ERROR, "partition " + name
                        + " closed before the original of a retried batch was durable"));
            }
        });
    }

    private void noteActiveSegment(long nowMs) {
        long base = log.activeSegmentBaseOffset();
        if (base != activeSegmentBaseOffset) {
            activeSegmentBaseOffset = base;
            activeSegmentSinceMs = nowMs;
        }
    }

    /** A producer this partition keeps state for, as Kafka's DescribeProducers reports it. */
    public record ActiveProducer(long producerId, short producerEpoch, int lastSequence, long lastTimestampMs,
            int coordinatorEpoch, long currentTxnStartOffset) {
    }

    /**
     * The producers the partition keeps idempotence state for (those not yet expired or trimmed
     * away), with the first offset of each one's open transaction here (-1 if none), read on the
     * owner's thread so the answer is one consistent moment of the table.
     *
     * @return fails with UNKNOWN_TOPIC_OR_PARTITION once the partition is closed
     */
    public CompletableFuture<List<ActiveProducer>> activeProducers() {
        CompletableFuture<List<ActiveProducer>> result = new CompletableFuture<>();
        if (!submit(() -> {
            if (closed) {
                result.completeExceptionally(StreamErrors.unknownPartition(topic, index));
                return;
            }
            Map<Long, Long> open = transactions.openTransactions();
            List<ActiveProducer> active = new ArrayList<>(producers.size());
            producers.entries().forEach((producerId, entry) -> active.add(new ActiveProducer(producerId, entry.epoch(),
                    entry.lastSequence(), entry.lastTimestampMs(), entry.coordinatorEpoch(),
                    open.getOrDefault(producerId, -1L))));
            result.complete(active);
        })) {
            result.completeExceptionally(StreamErrors.unknownPartition(topic, index));
        }
        return result;
    }

    /**
     * Moves the log start offset to {@code offset} (Kafka's DeleteRecords): durably (a checkpoint
     * file) before anything is deleted, then the segments wholly below it go.
     *
     * @param offset the new log start; -1 means the high watermark
     * @return completes with the log start offset after the change; fails with
     *     {@link ErrorCode#OFFSET_OUT_OF_RANGE} for an offset above the high watermark or below -1
     */
    public CompletableFuture<Long> deleteRecordsBefore(long offset) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        if (!submit(() -> {
            try {
                result.complete(applyDeleteRecords(offset));
            } catch (RuntimeException e) {
                result.completeExceptionally(StreamErrors.translate(e, name));
            }
        })) {
            result.completeExceptionally(StreamErrors.unknownPartition(topic, index));
        }
        return result;
    }

    private long applyDeleteRecords(long requested) {
        if (closed) {
            throw StreamErrors.unknownPartition(topic, index);
        }
        long highWatermark = highWatermark();
        long offset = requested == -1 ? highWatermark : requested;
        if (offset < 0 || offset > highWatermark) {
            throw new BrokerException(ErrorCode.OFFSET_OUT_OF_RANGE, "partition " + name + ": cannot delete records before "
                    + requested + ": the high watermark is " + highWatermark);
        }
        if (offset <= logStartOffset) {
            return logStartOffset;
        }
        try {
            SmallFiles.writeDurably(log.directory().resolve(LOG_START_FILE),
                    "version: 0\nlog_start_offset: " + offset + "\n");
        } catch (IOException e) {
            throw new BrokerException(ErrorCode.STORAGE_ERROR, "partition " + name + ": writing the log start offset "
                    + offset + " failed: " + e);
        }
        logStartOffset = offset;
        log.deleteSegmentsBelow(offset);
        producers.forgetBelow(offset);
        transactions.forgetBelow(offset);
        LOG.info("Partition {}: log start offset moved to {} (records deleted)", name, offset);
        return offset;
    }

    /**
     * The periodic upkeep, as one command: rolls the active segment once it is
     * {@code segment.ms} old, deletes sealed segments past {@code retention.ms} or beyond
     * {@code retention.bytes}, and forgets producers whose batches are gone.
     *
     * @param nowMs the time of the maintenance round, passed in
     * @return completes when done (with how many segments were deleted)
     */
    CompletableFuture<Integer> maintain(long nowMs) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        if (!submit(() -> {
            try {
                result.complete(applyMaintenance(nowMs));
            } catch (RuntimeException e) {
                result.completeExceptionally(StreamErrors.translate(e, name));
            }
        })) {
            result.complete(0);
        }
        return result;
    }

    private int applyMaintenance(long nowMs) {
        if (closed || log.hasFailed()) {
            return 0;
        }
        TopicConfig topicConfig = config;
        if (log.activeSegmentSizeInBytes() > 0 && nowMs - activeSegmentSinceMs > topicConfig.segmentMs()) {
            if (log.rollActiveSegment()) {
                activeSegmentBaseOffset = log.activeSegmentBaseOffset();
                activeSegmentSinceMs = nowMs;
                LOG.debug("Partition {}: rolled the active segment (segment.ms={})", name, topicConfig.segmentMs());
            }
        }
        int deleted = topicConfig.cleanupDeletes()
                ? log.applyRetention(nowMs, topicConfig.retentionMs(), topicConfig.retentionBytes()) : 0;
        if (deleted > 0) {
            long start = log.logStartOffset();
            if (start > logStartOffset) {
                logStartOffset = start;
            }
            producers.forgetBelow(logStartOffset);
            transactions.forgetBelow(logStartOffset);
        }
        transactions.settle(highWatermark());
        producers.expire(nowMs, PRODUCER_ID_EXPIRATION_MS);
        snapshotProducerState();
        return deleted;
    }

    /** Replaces the topic config this partition applies (from the next command on). */
    void configure(TopicConfig newConfig) {
        this.config = newConfig;
    }

    /**
     * Reads whole batches from the one holding {@code offset}, up to {@code maxBytes} (at least one
     * batch), never at or past the high watermark: the bytes a Fetch response carries, to be sent
     * with {@link LogSlice#transferTo}. Between the high watermark and the log end the slice is
     * empty (the records are on their way to the disk).
     *
     * @throws BrokerException {@link ErrorCode#OFFSET_OUT_OF_RANGE} below the log start or above the
     *     log end; {@link ErrorCode#UNKNOWN_TOPIC_OR_PARTITION} once closed or deleted
     */
    public LogSlice read(long offset, int maxBytes) {
        return read(offset, maxBytes, highWatermark());
    }

    /**
     * As {@link #read}, for a {@code read_committed} reader: never at or past the last stable offset.
     * Aborted records in the slice are there; {@link #abortedTransactions} says which they are.
     */
    public LogSlice readCommitted(long offset, int maxBytes) {
        return read(offset, maxBytes, lastStableOffset());
    }

    private LogSlice read(long offset, int maxBytes, long upTo) {
        if (closed) {
            throw StreamErrors.unknownPartition(topic, index);
        }
        long start = logStartOffset;
        long end = log.logEndOffset();
        if (offset < start || offset > end) {
            throw new BrokerException(ErrorCode.OFFSET_OUT_OF_RANGE, "partition " + name + ": offset " + offset
                    + " is outside [" + start + ", " + end + "]");
        }
        try {
            return log.read(offset, maxBytes, upTo);
        } catch (RuntimeException e) {
            throw StreamErrors.translate(e, name);
        }
    }

    /**
     * Runs {@code wake} once the high watermark is above {@code offset} (at once if it already
     * is), or when the partition closes or is deleted. {@code wake} runs on the thread that moved
     * the high watermark (the flusher): it must only hand work on. Cancel the returned wait when
     * the Fetch times out, so waits do not pile up on an idle partition.
     */
    public HighWatermarkWait whenHighWatermarkAbove(long offset, Runnable wake) {
        HighWatermarkWait wait = waiters.register(offset, wake);
        if (closed) {
            waiters.wakeAll(); // registered after the close woke the others
        }
        return wait;
    }

    /**
     * The offset of the first record with a timestamp at or after {@code timestampMs} below the
     * high watermark, or -1 if there is none (ListOffsets by time).
     */
    public long offsetForTimestamp(long timestampMs) {
        if (closed) {
            throw StreamErrors.unknownPartition(topic, index);
        }
        long highWatermark = highWatermark();
        try {
            OptionalLong found = log.offsetForTimestamp(timestampMs);
            if (found.isEmpty() || found.getAsLong() >= highWatermark) {
                return -1;
            }
            return Math.max(found.getAsLong(), logStartOffset);
        } catch (RuntimeException e) {
            throw StreamErrors.translate(e, name);
        }
    }

    /**
     * The record with the largest timestamp below the high watermark, the first of them if several
     * share it (ListOffsets MAX_TIMESTAMP); null if there is none, or it is not durable yet.
     */
    public TimestampAndOffset maxTimestamp() {
        if (closed) {
            throw StreamErrors.unknownPartition(topic, index);
        }
        try {
            long maxTimestampMs = log.maxTimestampMs();
            if (maxTimestampMs < 0) {
                return null;
            }
            OptionalLong found = log.offsetForTimestamp(maxTimestampMs);
            if (found.isEmpty() || found.getAsLong() >= highWatermark() || found.getAsLong() < logStartOffset) {
                return null;
            }
            return new TimestampAndOffset(maxTimestampMs, found.getAsLong());
        } catch (RuntimeException e) {
            throw StreamErrors.translate(e, name);
        }
    }

    /** The first offset a reader may ask for: moved by retention and {@link #deleteRecordsBefore}. */
    public long logStartOffset() {
        return logStartOffset;
    }

    /** One past the last durable (fsynced) record: what readers may see. */
    public long highWatermark() {
        return log.durableEndOffset();
    }

    /**
     * The last stable offset: the first offset of the earliest transaction on this partition not yet
     * decided by a durable marker, or the high watermark if it is lower. What {@code read_committed}
     * readers may read up to.
     */
    public long lastStableOffset() {
        return transactions.lastStableOffset(highWatermark());
    }

    /** The aborted transactions with records in [fromOffset, toOffset): a {@code read_committed} Fetch's list. */
    public List<AbortedTransaction> abortedTransactions(long fromOffset, long toOffset) {
        return transactions.abortedBetween(fromOffset, toOffset);
    }

    /** One past the last record written, durable or not. */
    public long logEndOffset() {
        return log.logEndOffset();
    }

    /** The epoch stamped into every batch this partition appends; constant on one node. */
    public int leaderEpoch() {
        return leaderEpoch;
    }

    public String topic() {
        return topic;
    }

    public UUID topicId() {
        return topicId;
    }

    /** The partition's number within its topic. */
    public int index() {
        return index;
    }

    /** {@code <topic>-<partition>}, as Kafka names a partition and its directory. */
    public String name() {
        return name;
    }

    /** The partition's log, for the log cleaner (which only reads it and swaps sealed segments). */
    Log log() {
        return log;
    }

    public TopicConfig config() {
        return config;
    }

    /** Bytes stored in the partition's segment files. */
    public long sizeInBytes() {
        return log.sizeInBytes();
    }

    /** Segment files of the partition, the active one included. */
    public int segmentCount() {
        return log.segmentCount();
    }

    public Path directory() {
        return log.directory();
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * A copy of the producer state, taken on the owner thread: for tests and diagnostics.
     */
    CompletableFuture<Map<Long, ProducerStateTable.ProducerEntry>> producerStates() {
        CompletableFuture<Map<Long, ProducerStateTable.ProducerEntry>> result = new CompletableFuture<>();
        if (!submit(() -> result.complete(Map.copyOf(producers.entries())))) {
            result.completeExceptionally(StreamErrors.unknownPartition(topic, index));
        }
        return result;
    }

    /**
     * Closes the log on the owner (every append that returned is durable afterwards) and wakes
     * every parked reader; later commands fail with {@link ErrorCode#UNKNOWN_TOPIC_OR_PARTITION}.
     */
    CompletableFuture<Void> close() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        Runnable closing = () -> {
            try {
                if (!closed) {
                    closed = true;
                    boolean failed = log.hasFailed();
                    log.close();
                    if (!failed) {
                        snapshotProducerState(); // after the close's fsync: the snapshot never runs ahead of the log
                    }
                }
                result.complete(null);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            } finally {
                waiters.wakeAll();
            }
        };
        if (!submit(closing)) {
            closing.run(); // the owner has stopped: nothing else writes the log any more
        }
        return result;
    }

    private boolean submit(Runnable command) {
        try {
            owner.execute(command);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "Partition{" + name + ", [" + logStartOffset + ", " + highWatermark() + ", " + logEndOffset() + ")}";
    }
}
