package dev.ferry.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.log.AppendResult;
import dev.ferry.log.Log;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogCorruptedException;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.LogSlice;
import dev.ferry.message.Message;
import dev.ferry.queue.InMemoryMessageStore;
import dev.ferry.queue.MessageStore;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueuedMessage;

/**
 * The message store of a durable queue: persistent messages are records in the queue's own
 * {@link Log}; transient ones live only in memory, as in RabbitMQ. Ready order, requeues and
 * expiry are an {@link InMemoryMessageStore}'s (bodies stay on the heap); this class adds the log,
 * the settled offsets and their checkpoints.
 *
 * <ul>
 *   <li><b>Appends.</b> A persistent message gets its offset at once (the log's end plus what
 *       this drain already collected) and is ready at once; its record waits in a batch that
 *       {@link #endOfDrain()} appends with one {@link Log#append}. Its publisher confirm is
 *       accepted when the append's future completes: under {@code ALWAYS}, on the flusher thread
 *       after the covering fsync (group commit across all queues sharing the flusher).</li>
 *   <li><b>Settlement.</b> Settled offsets ({@link SettledOffsets}) and the delivered high-water
 *       mark are written as an {@link AckCheckpoint} by {@link #maintain()} (every ack checkpoint
 *       interval; the file is written and fsynced on the storage's maintenance thread, never on the
 *       owner) and by {@link #close()}. Segments wholly below a checkpointed low-water mark are
 *       deleted, so a drained queue gives its disk back.</li>
 *   <li><b>Recovery.</b> {@link #open} reads the newest valid checkpoint, clamps it to the log's
 *       end (a cut tail's offsets are reused), and makes every unsettled record above the
 *       low-water mark a ready message, in order, redelivered if it lies below the delivered
 *       high-water mark.</li>
 * </ul>
 *
 * <p>Thread safety: the queue's owner thread calls every {@link MessageStore} method. The only
 * other thread is the maintenance thread writing a checkpoint snapshot; it and the owner's
 * {@link #close()} / {@link #deleted()} meet under one lock per store, taken per checkpoint,
 * never per message.
 */
public final class LogMessageStore implements MessageStore {
    private static final Logger LOG = LoggerFactory.getLogger(LogMessageStore.class);
    private static final int RECOVERY_READ_BYTES = 1024 * 1024;

    private final String description;
    private final Path directory;
    private final Log log;
    private final Executor checkpointWriter;
    // Half the log's largest batch: a drain's records are appended in chunks of about this size.
    private final long batchLimit;
    private final InMemoryMessageStore ready = new InMemoryMessageStore();
    private final SettledOffsets settled;
    private long deliveredHighWater;
    private boolean checkpointDue;
    private long segmentsDeletedBelow;
    private List<QueuedMessage> recovered;
    private boolean closed;
    // An append failed (the disk): the log refuses everything from now on, so persistent messages
    // are kept in memory only and their publishers nacked, until a restart.
    private RuntimeException failure;

    // The batch of the current drain.
    private final List<SimpleRecord> pendingRecords = new ArrayList<>();
    private final List<PublishConfirm> pendingConfirms = new ArrayList<>();
    private long pendingBytes;

    // Checkpoint files: the owner takes snapshots, the maintenance thread writes them.
    private final Object checkpointFiles = new Object();
    private long snapshotsTaken;
    private long snapshotsWritten; // guarded by checkpointFiles
    private boolean filesReleased; // guarded by checkpointFiles
    private volatile long checkpointedLowWater;

    private LogMessageStore(String description, Path directory, Log log, LogConfig config, Executor checkpointWriter,
                            AckCheckpoint checkpoint) {
        this.batchLimit = config.batchBytesMax() / 2;
        this.description = description;
        this.directory = directory;
        this.log = log;
        this.checkpointWriter = checkpointWriter;
        long lowWater = Math.max(checkpoint.lowWater(), log.logStartOffset());
        this.settled = new SettledOffsets(lowWater);
        for (long offset : checkpoint.settledAbove()) {
            settled.settle(offset);
        }
        this.deliveredHighWater = checkpoint.deliveredHighWater();
        this.checkpointedLowWater = checkpoint.lowWater();
    }

    /**
     * Opens (creating if needed) the store of one queue in {@code directory} and recovers its
     * unsettled messages.
     *
     * @param config           the queue log's settings; its batch limit bounds one append
     * @param flusher          the broker's shared flusher (one per disk), or null for a private one
     * @param checkpointWriter where checkpoint files are written (one thread, in order)
     * @param description      the queue, for log lines
     */
    public static LogMessageStore open(Path directory, LogConfig config, LogFlusher flusher,
                                       Executor checkpointWriter, String description) {
        Log log = Log.open(directory, config, flusher);
        try {
            AckCheckpoint read = AckCheckpoint.read(directory);
            AckCheckpoint checkpoint = read.clampedTo(log.logEndOffset());
            if (!checkpoint.equals(read)) {
                // The log lost its tail after the checkpoint was written. Write the clamped state as
                // both current and previous, so no checkpoint left on disk settles reused offsets.
                LOG.warn("{}: log ends at {}, below its checkpoint; settled offsets at or above it dropped",
                        description, log.logEndOffset());
                checkpoint.write(directory);
                checkpoint.write(directory);
            }
            LogMessageStore store = new LogMessageStore(description, directory, log, config, checkpointWriter, checkpoint);
            store.recover();
            return store;
        } catch (IOException | RuntimeException e) {
            log.close();
            if (e instanceof IOException io) {
                throw new java.io.UncheckedIOException("cannot recover " + description, io);
            }
            throw (RuntimeException) e;
        }
    }

    private void recover() throws IOException {
        long lowWater = settled.lowWater();
        if (lowWater > log.logStartOffset()) {
            log.deleteSegmentsBelow(lowWater);
        }
        segmentsDeletedBelow = lowWater;
        List<QueuedMessage> messages = new ArrayList<>();
        long offset = lowWater;
        long end = log.logEndOffset();
        while (offset < end) {
            List<Record> records;
            try {
                records = log.read(offset, RECOVERY_READ_BYTES).readRecords();
            } catch (LogCorruptedException e) {
                // Never hand out a corrupt record; what lies beyond it in this log is lost.
                LOG.error("{}: recovery stops at offset {}: {}", description, offset, e.getMessage());
                break;
            }
            if (records.isEmpty()) {
                break;
            }
            for (Record record : records) {
                if (!settled.isSettled(record.offset())) {
                    MessageRecordCodec.Decoded decoded = MessageRecordCodec.decode(record);
                    QueuedMessage message = QueuedMessage.recovered(messages.size(), decoded.message(),
                            record.offset(), decoded.expiresAt(), record.offset() < deliveredHighWater);
                    ready.append(message, null);
                    messages.add(message);
                }
                offset = record.offset() + 1;
            }
        }
        recovered = messages;
        LOG.info("{}: recovered {} messages from offsets [{}, {})", description, messages.size(), lowWater, end);
    }

    @Override
    public List<QueuedMessage> recovered() {
        List<QueuedMessage> messages = recovered == null ? List.of() : recovered;
        recovered = null;
        return messages;
    }

    @Override
    public void append(QueuedMessage message, PublishConfirm confirm) {
        Message content = message.message();
        if (closed || !content.properties().persistent()) {
            ready.append(message, confirm);
            return;
        }
        if (failure != null) {
            ready.append(message, null);
            fail(confirm, failure);
            return;
        }
        message.assignLogOffset(log.logEndOffset() + pendingRecords.size());
        SimpleRecord record = MessageRecordCodec.encode(content, message.expiresAt(), System.currentTimeMillis());
        pendingRecords.add(record);
        pendingConfirms.add(confirm);
        pendingBytes += estimatedBytes(record);
        ready.append(message, null);
    }

    /** Appends the drain's records: one log append per batch limit's worth (normally one). */
    @Override
    public void endOfDrain() {
        if (pendingRecords.isEmpty()) {
            return;
        }
        List<SimpleRecord> records = new ArrayList<>(pendingRecords);
        List<PublishConfirm> confirms = new ArrayList<>(pendingConfirms);
        pendingRecords.clear();
        pendingConfirms.clear();
        int from = 0;
        while (from < records.size()) {
            int to = from;
            long bytes = 0;
            while (to < records.size() && (to == from || bytes + estimatedBytes(records.get(to)) <= batchLimit)) {
                bytes += estimatedBytes(records.get(to));
                to++;
            }
            appendChunk(records.subList(from, to), confirms.subList(from, to));
            from = to;
        }
        pendingBytes = 0;
    }

    private void appendChunk(List<SimpleRecord> records, List<PublishConfirm> confirms) {
        if (failure != null) {
            confirms.forEach(confirm -> fail(confirm, failure));
            return;
        }
        long expectedFirst = log.logEndOffset();
        CompletableFuture<AppendResult> appended;
        try {
            appended = log.append(records);
        } catch (RuntimeException e) {
            // Nothing of this batch was written: the publishers are nacked.
            LOG.error("{}: appending {} messages failed: {}", description, records.size(), e.toString());
            failure = e;
            confirms.forEach(confirm -> fail(confirm, e));
            return;
        }
        List<PublishConfirm> waiting = confirms.stream().filter(confirm -> confirm != null).toList();
        appended.whenComplete((result, error) -> {
            assert error != null || result.firstOffset() == expectedFirst : "offsets assigned before the append moved";
            for (PublishConfirm confirm : waiting) {
                if (error == null) {
                    confirm.queueAccepted();
                } else {
                    confirm.queueFailed(error);
                }
            }
        });
    }

    private static void fail(PublishConfirm confirm, Throwable cause) {
        if (confirm != null) {
            confirm.queueFailed(cause);
        }
    }

    private static long estimatedBytes(SimpleRecord record) {
        long bytes = 32;
        if (record.key() != null) {
            bytes += record.key().remaining();
        }
        if (record.value() != null) {
            bytes += record.value().remaining();
        }
        for (var header : record.headers()) {
            bytes += header.key().length() + (header.value() == null ? 0 : header.value().length) + 8;
        }
        return bytes;
    }

    @Override
    public QueuedMessage pollReady() {
        QueuedMessage message = ready.pollReady();
        if (message != null && message.logOffset() >= deliveredHighWater) {
            deliveredHighWater = message.logOffset() + 1;
            checkpointDue = true;
        }
        return message;
    }

    @Override
    public void returnToReady(QueuedMessage message) {
        ready.returnToReady(message);
    }

    @Override
    public boolean removeReady(QueuedMessage message) {
        return ready.removeReady(message);
    }

    @Override
    public void settle(QueuedMessage message) {
        if (message.logOffset() != QueuedMessage.NOT_IN_LOG) {
            settled.settle(message.logOffset());
            checkpointDue = true;
        }
    }

    @Override
    public int purgeReady() {
        int purged = 0;
        QueuedMessage message;
        while ((message = ready.pollReady()) != null) {
            settle(message);
            purged++;
        }
        return purged;
    }

    @Override
    public int readyCount() {
        return ready.readyCount();
    }

    @Override
    public long readyBytes() {
        return ready.readyBytes();
    }

    /**
     * Deletes segments below the last checkpointed low-water mark, then, if anything was settled or
     * delivered since the last snapshot, hands a new snapshot to the checkpoint writer.
     */
    @Override
    public void maintain() {
        if (closed) {
            return;
        }
        endOfDrain();
        deleteSettledSegments();
        if (checkpointDue) {
            AckCheckpoint snapshot = snapshot();
            long sequence = ++snapshotsTaken;
            try {
                checkpointWriter.execute(() -> writeCheckpoint(snapshot, sequence));
            } catch (RejectedExecutionException e) {
                return; // shutting down: close() writes the final checkpoint
            }
            checkpointDue = false;
        }
    }

    private AckCheckpoint snapshot() {
        assert pendingRecords.isEmpty() : "snapshot with records not yet appended";
        return new AckCheckpoint(settled.lowWater(), Math.max(deliveredHighWater, settled.lowWater()),
                settled.settledAboveLowWater());
    }

    /** Runs on the checkpoint writer; a snapshot older than one already written, or after release, is dropped. */
    private void writeCheckpoint(AckCheckpoint snapshot, long sequence) {
        synchronized (checkpointFiles) {
            if (filesReleased || sequence <= snapshotsWritten) {
                return;
            }
            try {
                snapshot.write(directory);
                snapshotsWritten = sequence;
                checkpointedLowWater = snapshot.lowWater();
            } catch (IOException e) {
                LOG.warn("{}: writing the ack checkpoint failed (acks since the last one may be redelivered): {}",
                        description, e.toString());
            }
        }
    }

    private void deleteSettledSegments() {
        long below = Math.min(checkpointedLowWater, log.logEndOffset());
        if (below > segmentsDeletedBelow) {
            log.deleteSegmentsBelow(below);
            segmentsDeletedBelow = below;
        }
    }

    /** Clean shutdown: appends what is pending, writes the final checkpoint, closes (fsyncs) the log. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            endOfDrain();
            AckCheckpoint last = snapshot();
            synchronized (checkpointFiles) {
                filesReleased = true;
                last.write(directory);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: the final ack checkpoint failed; acks since the last one may be redelivered", description, e);
        } finally {
            closed = true;
            log.close();
        }
    }

    /** The queue is gone: its files go too. Messages collected in this drain count as accepted (RabbitMQ does so). */
    @Override
    public void deleted() {
        if (closed) {
            return;
        }
        closed = true;
        pendingConfirms.forEach(confirm -> {
            if (confirm != null) {
                confirm.queueAccepted();
            }
        });
        pendingRecords.clear();
        pendingConfirms.clear();
        synchronized (checkpointFiles) {
            filesReleased = true;
        }
        try {
            log.close();
        } catch (RuntimeException e) {
            LOG.warn("{}: closing the deleted queue's log failed: {}", description, e.toString());
        }
        StorageFiles.deleteRecursively(directory);
    }

    /** The log's directory (for tests and diagnostics). */
    public Path directory() {
        return directory;
    }

    /** Where new messages will be appended; for tests. */
    long logEndOffset() {
        return log.logEndOffset();
    }

    long lowWater() {
        return settled.lowWater();
    }

    int segmentCount() {
        return log.segmentCount();
    }

    @Override
    public String toString() {
        return "LogMessageStore[" + description + "]";
    }
}
