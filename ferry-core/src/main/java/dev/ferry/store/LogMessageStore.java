package dev.ferry.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

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
 * The message store of a queue on a broker with a data directory. A durable queue's store keeps
 * persistent messages as records in the queue's own {@link Log}; a non-durable queue's store has a
 * spill log that exists only while it is paging (deleted when it is fully settled, and at open).
 * Both keep at most {@link PagingLimits} of ready messages in memory and page the rest out.
 * Ready order, requeues and expiry in memory are an {@link InMemoryMessageStore}'s; this class
 * adds the log, paging, the settled offsets and their checkpoints.
 *
 * <ul>
 *   <li><b>Appends.</b> A message is written to the log if it is persistent and the queue durable,
 *       or if memory is full or messages are already paged out (then every new message is paged,
 *       so the log keeps them in queue order). Its offset is assigned at once (the log's end plus
 *       what this drain already collected); {@link #endOfDrain()} appends the drain's records
 *       with one {@link Log#append}. A persistent message's confirm is accepted when the append's
 *       future completes: under {@code ALWAYS}, after the covering fsync (group commit across all
 *       queues sharing the flusher). A paged transient message is confirmed at once, as in
 *       memory; its record is marked so that recovery drops it.</li>
 *   <li><b>Paging.</b> Paged messages are pages of offsets ({@link PagedRange}); nothing per message
 *       stays on the heap. When the messages in memory drop to half the limits, the next pages are
 *       read and decoded back into memory, in order. Paged messages past their expiry are found
 *       by reading only the pages whose earliest expiry has passed.</li>
 *   <li><b>Settlement.</b> Settled offsets ({@link SettledOffsets}) and the delivered high-water
 *       mark are written as an {@link AckCheckpoint} by {@link #maintain()} (every ack checkpoint
 *       interval; the file is written and fsynced on the storage's maintenance thread, never on the
 *       owner) and by {@link #close()}. Segments wholly below a checkpointed low-water mark are
 *       deleted, so a drained queue gives its disk back.</li>
 *   <li><b>Recovery.</b> {@link #open} reads the newest valid checkpoint, clamps it to the log's
 *       end (a cut tail's offsets are reused), and makes every unsettled persistent record above
 *       the low-water mark ready, in order (the first up to the paging limits in memory, the rest
 *       paged), redelivered if it lies below the delivered high-water mark of a clean shutdown's
 *       checkpoint, and always after a crash (the last interval's deliveries are unknown).</li>
 * </ul>
 *
 * <p>Thread safety: the queue's owner thread calls every {@link MessageStore} method. The only
 * other thread is the maintenance thread writing a checkpoint snapshot; it and the owner's
 * {@link #close()} / {@link #deleted()} meet under one lock per store, taken per checkpoint,
 * never per message.
 */
public final class LogMessageStore implements MessageStore {
    private static final Logger LOG = LoggerFactory.getLogger(LogMessageStore.class);
    private static final int READ_BYTES = 1024 * 1024;

    private final String description;
    private final Path directory;
    // A durable queue's log, recovered and checkpointed; otherwise a spill log for paging only.
    private final boolean durable;
    private final LogConfig config;
    private final LogFlusher flusher;
    private final Executor checkpointWriter;
    private final PagingLimits limits;
    // Half the log's largest batch: a drain's records are appended in chunks of about this size.
    private final long batchLimit;
    private final InMemoryMessageStore ready = new InMemoryMessageStore();
    private final PagedRange paged = new PagedRange();
    private Log log; // a spill log is opened when paging first needs it
    private SettledOffsets settled;
    private long deliveredHighWater;
    // Records below it were written before this start: their offsets are their sequences, and
    // those below recoveredDeliveredHighWater had been delivered.
    private long recoveredEnd;
    private long recoveredDeliveredHighWater;
    // Return counts of unsettled log-backed messages that came back at least once (few, so boxed).
    private final java.util.TreeMap<Long, Integer> returnCounts = new java.util.TreeMap<>();
    private boolean checkpointDue;
    private long segmentsDeletedBelow;
    private List<QueuedMessage> recovered;
    private Consumer<QueuedMessage> pagedInListener = message -> { };
    private boolean closed;
    // An append failed (the disk): the log refuses everything from now on, so messages are kept in
    // memory only and the publishers of persistent ones nacked, until a restart.
    private RuntimeException failure;

    // Confirms wait for it too while it is incomplete: a new queue's declaration becoming durable.
    private CompletableFuture<Void> declarationDurable = CompletableFuture.completedFuture(null);

    // The batch of the current drain.
    private final List<SimpleRecord> pendingRecords = new ArrayList<>();
    private final List<PublishConfirm> pendingConfirms = new ArrayList<>();

    // Checkpoint files: the owner takes snapshots, the maintenance thread writes them.
    private final Object checkpointFiles = new Object();
    private long snapshotsTaken;
    private long snapshotsWritten; // guarded by checkpointFiles
    private boolean filesReleased; // guarded by checkpointFiles
    private volatile long checkpointedLowWater;

    private LogMessageStore(String description, Path directory, boolean durable, LogConfig config, LogFlusher flusher,
                            Executor checkpointWriter, PagingLimits limits) {
        this.description = description;
        this.directory = directory;
        this.durable = durable;
        this.config = config;
        this.flusher = flusher;
        this.checkpointWriter = checkpointWriter;
        this.limits = limits;
        this.batchLimit = config.batchBytesMax() / 2;
        this.settled = new SettledOffsets(0);
    }

    private void startFrom(Log opened, AckCheckpoint checkpoint) {
        this.log = opened;
        long lowWater = Math.max(checkpoint.lowWater(), opened.logStartOffset());
        this.settled = new SettledOffsets(lowWater);
        for (long offset : checkpoint.settledAbove()) {
            settled.settle(offset);
        }
        this.deliveredHighWater = checkpoint.deliveredHighWater();
        // After a crash the last interval's deliveries are unknown: any unsettled message may have
        // been delivered, so every one comes back flagged redelivered.
        this.recoveredDeliveredHighWater = checkpoint.cleanShutdown() ? checkpoint.deliveredHighWater() : Long.MAX_VALUE;
        this.checkpointedLowWater = checkpoint.lowWater();
        this.recoveredEnd = opened.logEndOffset();
        for (int i = 0; i < checkpoint.countedOffsets().length; i++) {
            returnCounts.put(checkpoint.countedOffsets()[i], checkpoint.returnCounts()[i]);
        }
    }

    /**
     * Opens (creating if needed) the store of a durable queue in {@code directory} and recovers its
     * unsettled messages.
     *
     * @param config           the queue log's settings; its batch limit bounds one append
     * @param flusher          the broker's shared flusher (one per disk), or null for a private one
     * @param checkpointWriter where checkpoint files are written (one thread, in order)
     * @param limits           how much of the ready messages stays in memory
     * @param description      the queue, for log lines
     */
    public static LogMessageStore open(Path directory, LogConfig config, LogFlusher flusher,
                                       Executor checkpointWriter, PagingLimits limits, String description) {
        Log log = Log.open(directory, config, flusher);
        try {
            AckCheckpoint read = AckCheckpoint.read(directory);
            AckCheckpoint checkpoint = read.clampedTo(log.logEndOffset());
            boolean tailCut = !checkpoint.equals(read);
            if (tailCut) {
                LOG.warn("{}: log ends at {}, below its checkpoint; settled offsets at or above it dropped",
                        description, log.logEndOffset());
            }
            if (tailCut || checkpoint.cleanShutdown()) {
                // Written as both current and previous, so that no checkpoint left on disk settles
                // offsets a cut tail will reuse, or claims a clean shutdown once deliveries resume.
                AckCheckpoint running = checkpoint.withCleanShutdown(false);
                running.write(directory);
                running.write(directory);
            }
            LogMessageStore store = new LogMessageStore(description, directory, true, config, flusher,
                    checkpointWriter, limits);
            store.startFrom(log, checkpoint);
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

    /**
     * The store of a non-durable queue: in memory up to {@code limits}, then paged to a spill log
     * in {@code directory}. Whatever the directory holds (a previous run's spill) is removed first;
     * nothing is created until the queue first pages.
     */
    public static LogMessageStore openTransient(Path directory, LogConfig config, LogFlusher flusher,
                                                PagingLimits limits, String description) {
        StorageFiles.deleteRecursively(directory);
        return new LogMessageStore(description, directory, false, config, flusher, Runnable::run, limits);
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
        int dropped = 0;
        while (offset < end) {
            List<Record> records;
            try {
                records = log.read(offset, READ_BYTES).readRecords();
            } catch (LogCorruptedException e) {
                // Never hand out a corrupt record; what lies beyond it in this log is lost.
                LOG.error("{}: recovery stops at offset {}: {}", description, offset, e.getMessage());
                break;
            }
            if (records.isEmpty()) {
                break;
            }
            for (Record record : records) {
                offset = record.offset() + 1;
                if (settled.isSettled(record.offset())) {
                    continue;
                }
                MessageRecordCodec.Summary summary = MessageRecordCodec.summarize(record);
                if (summary.transientCopy()) {
                    // A transient message that was only paged out: lost on restart, as in memory.
                    settled.settle(record.offset());
                    checkpointDue = true;
                    dropped++;
                } else if (paged.isEmpty() && !limits.full(ready.readyCount(), ready.readyBytes(), bodySize(record))) {
                    QueuedMessage message = decodeRecord(record);
                    ready.append(message, null);
                    messages.add(message);
                } else {
                    paged.add(record.offset(), bodySize(record), summary.expiresAt());
                }
            }
        }
        recovered = messages;
        LOG.info("{}: recovered {} messages ({} paged out) from offsets [{}, {}); {} transient copies dropped",
                description, readyCount(), paged.count(), lowWater, end, dropped);
    }

    private static int bodySize(Record record) {
        return Math.max(0, record.valueSize());
    }

    /** A ready message from its record: written before this start, its offset is its sequence. */
    private QueuedMessage decodeRecord(Record record) throws IOException {
        MessageRecordCodec.Decoded decoded = MessageRecordCodec.decode(record);
        long offset = record.offset();
        boolean fromEarlierRun = offset < recoveredEnd || decoded.sequence() == MessageRecordCodec.NO_SEQUENCE;
        int returned = returnCounts.isEmpty() ? 0 : returnCounts.getOrDefault(offset, 0);
        return QueuedMessage.recovered(fromEarlierRun ? offset : decoded.sequence(), decoded.message(), offset,
                decoded.expiresAt(), fromEarlierRun && offset < recoveredDeliveredHighWater, returned);
    }

    @Override
    public List<QueuedMessage> recovered() {
        List<QueuedMessage> messages = recovered == null ? List.of() : recovered;
        recovered = null;
        return messages;
    }

    @Override
    public long firstFreeSequence() {
        return recoveredEnd;
    }

    @Override
    public void setPagedInListener(Consumer<QueuedMessage> listener) {
        pagedInListener = listener;
    }

    @Override
    public void append(QueuedMessage message, PublishConfirm confirm) {
        Message content = message.message();
        boolean persist = durable && content.properties().persistent();
        boolean page = !paged.isEmpty() || limits.full(ready.readyCount(), ready.readyBytes(), content.bodySize());
        if (closed || (!persist && !page)) {
            ready.append(message, confirm);
            return;
        }
        if (failure != null) {
            ready.append(message, null);
            if (persist) {
                fail(confirm, failure);
            } else if (confirm != null) {
                confirm.queueAccepted();
            }
            return;
        }
        if (log == null) {
            openSpillLog();
        }
        long offset = log.logEndOffset() + pendingRecords.size();
        message.assignLogOffset(offset);
        pendingRecords.add(MessageRecordCodec.encode(content, message.expiresAt(), System.currentTimeMillis(),
                message.sequence(), !persist));
        if (persist) {
            pendingConfirms.add(confirm);
        } else {
            pendingConfirms.add(null);
            if (confirm != null) {
                confirm.queueAccepted();
            }
        }
        if (page) {
            paged.add(offset, content.bodySize(), message.expiresAt());
        } else {
            ready.append(message, null);
        }
    }

    /**
     * No message is confirmed before {@code declared} completes (none at all if it fails): a new
     * durable queue's messages must not be confirmed while a crash could still lose the queue's
     * declaration. Called once, before the queue uses the store.
     */
    void holdConfirmsUntil(CompletableFuture<Void> declared) {
        this.declarationDurable = declared;
    }

    private void openSpillLog() {
        log = Log.open(directory, config, flusher);
        settled = new SettledOffsets(log.logEndOffset());
        segmentsDeletedBelow = log.logStartOffset();
        LOG.debug("{}: paging to {}", description, directory);
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
        CompletableFuture<Void> declared = declarationDurable;
        CompletableFuture<AppendResult> stored = declared.isDone() && !declared.isCompletedExceptionally() ? appended
                : appended.thenCombine(declared, (result, ignored) -> result);
        stored.whenComplete((result, error) -> {
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
        if (!paged.isEmpty() && limits.wantsPageIn(ready.readyCount(), ready.readyBytes())) {
            pageIn();
        }
        QueuedMessage message = ready.pollReady();
        if (durable && message != null && message.logOffset() >= deliveredHighWater) {
            deliveredHighWater = message.logOffset() + 1;
            checkpointDue = true;
        }
        return message;
    }

    /** Reads paged-out messages back into memory, in order, until memory is full again. */
    private void pageIn() {
        endOfDrain(); // the head page may still be in this drain's batch
        int loaded = 0;
        try {
            while (!paged.isEmpty() && (loaded == 0 || !limits.full(ready.readyCount(), ready.readyBytes(), 0))) {
                // Offsets below the log's start were all settled (expired where they lay) and their
                // segments deleted: the page's remaining messages lie above.
                long from = Math.max(paged.head().first(), log.logStartOffset());
                List<Record> records = log.read(from, READ_BYTES).readRecords();
                for (Record record : records) {
                    PagedRange.Page page = paged.head();
                    if (page == null || record.offset() >= page.end()
                            || (loaded > 0 && limits.full(ready.readyCount(), ready.readyBytes(), 0))) {
                        break;
                    }
                    if (record.offset() < page.first()) {
                        continue;
                    }
                    if (settled.isSettled(record.offset())) {
                        paged.skipped(page, record.offset());
                        continue;
                    }
                    QueuedMessage message = decodeRecord(record);
                    paged.pagedIn(page, record.offset(), bodySize(record));
                    ready.insert(message);
                    pagedInListener.accept(message);
                    loaded++;
                }
                if (!paged.isEmpty() && paged.head().first() <= from) {
                    throw new IOException("no paged message found at offset " + from);
                }
            }
        } catch (IOException | RuntimeException e) {
            // The log cannot give them back. A durable queue's persistent messages stay unsettled
            // on disk and return after a restart; the rest are lost.
            LOG.error("{}: reading {} paged-out messages failed; they are dropped from the queue: {}",
                    description, paged.count(), e.toString());
            paged.clear();
            failure = e instanceof RuntimeException runtime ? runtime : new java.io.UncheckedIOException((IOException) e);
        }
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
    public long nextPagedExpiry() {
        return paged.nextExpiry();
    }

    /** Reads each page whose earliest expiry has passed and removes its expired messages. */
    @Override
    public void expirePaged(long now, Consumer<Message> expired) {
        if (paged.nextExpiry() > now) {
            return;
        }
        endOfDrain();
        try {
            for (PagedRange.Page page : paged.pagesExpiringBy(now)) {
                long earliestLeft = Long.MAX_VALUE;
                long offset = Math.max(page.first(), log.logStartOffset());
                long end = page.end();
                boolean pageGone = false;
                while (offset < end && !pageGone) {
                    List<Record> records = log.read(offset, READ_BYTES).readRecords();
                    if (records.isEmpty()) {
                        break;
                    }
                    for (Record record : records) {
                        if (record.offset() >= end) {
                            break;
                        }
                        offset = record.offset() + 1;
                        if (record.offset() < page.first() || settled.isSettled(record.offset())) {
                            continue;
                        }
                        long expiresAt = MessageRecordCodec.summarize(record).expiresAt();
                        if (expiresAt > now) {
                            earliestLeft = Math.min(earliestLeft, expiresAt);
                            continue;
                        }
                        Message message = MessageRecordCodec.decode(record).message();
                        settleOffset(record.offset());
                        pageGone = page.count() == 1;
                        paged.remove(page, bodySize(record));
                        expired.accept(message);
                        if (pageGone) {
                            break;
                        }
                    }
                    offset = Math.max(offset, records.get(records.size() - 1).offset() + 1);
                }
                if (!pageGone) {
                    paged.expiryScanned(page, earliestLeft);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: reading paged-out messages to expire them failed: {}", description, e.toString());
        }
    }

    @Override
    public void settle(QueuedMessage message) {
        if (message.logOffset() != QueuedMessage.NOT_IN_LOG) {
            settled.settle(message.logOffset());
            checkpointDue = true;
            // Only a message that came back has a count to drop: no map lookup on the common ack.
            if (message.returnCount() > 0) {
                returnCounts.remove(message.logOffset());
            }
        }
    }

    /** Settles a paged-out message by offset (expired or purged where it lies). */
    private void settleOffset(long offset) {
        settled.settle(offset);
        if (!returnCounts.isEmpty()) {
            returnCounts.remove(offset);
        }
        checkpointDue = true;
    }

    /** A durable queue keeps the return counts of its persistent messages across restarts (checkpointed). */
    @Override
    public void returned(QueuedMessage message) {
        if (durable && message.logOffset() != QueuedMessage.NOT_IN_LOG && message.message().properties().persistent()) {
            returnCounts.put(message.logOffset(), message.returnCount());
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
        for (PagedRange.Page page : paged.pages()) {
            for (long offset = page.first(); offset < page.end(); offset++) {
                if (!settled.isSettled(offset)) {
                    settleOffset(offset);
                    purged++;
                }
            }
        }
        paged.clear();
        return purged;
    }

    @Override
    public int readyCount() {
        return ready.readyCount() + (int) paged.count();
    }

    @Override
    public long readyBytes() {
        return ready.readyBytes() + paged.bytes();
    }

    /** Backed up at three quarters of the memory limits (or when paging), clear again at half. */
    @Override
    public boolean isBackedUp(boolean wasBackedUp) {
        if (!paged.isEmpty()) {
            return true;
        }
        int count = ready.readyCount();
        long bytes = ready.readyBytes();
        if (wasBackedUp) {
            return count > limits.messages() / 2 || bytes > limits.bytes() / 2;
        }
        return count >= limits.messages() / 4 * 3 || bytes >= limits.bytes() / 4 * 3;
    }

    /** Messages of the queue that are paged out (for tests and diagnostics). */
    long pagedCount() {
        return paged.count();
    }

    /** Pages the paged-out messages take (for tests and diagnostics). */
    int pageCount() {
        return paged.pages().size();
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
        if (!durable) {
            releaseSettledSpill();
            return;
        }
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
        long lowWater = settled.lowWater();
        java.util.SortedMap<Long, Integer> counted = returnCounts.tailMap(lowWater);
        long[] countedOffsets = new long[counted.size()];
        int[] counts = new int[counted.size()];
        int i = 0;
        for (var entry : counted.entrySet()) {
            countedOffsets[i] = entry.getKey();
            counts[i++] = entry.getValue();
        }
        return new AckCheckpoint(lowWater, Math.max(deliveredHighWater, lowWater), settled.settledAboveLowWater(), false,
                countedOffsets, counts);
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

    /** A spill log gives back its settled segments, and goes altogether once everything in it is settled. */
    private void releaseSettledSpill() {
        if (log == null) {
            return;
        }
        long lowWater = settled.lowWater();
        if (paged.isEmpty() && lowWater == log.logEndOffset()) {
            log.close();
            log = null;
            StorageFiles.deleteRecursively(directory);
            LOG.debug("{}: paging ended, spill log removed", description);
        } else if (lowWater > segmentsDeletedBelow) {
            log.deleteSegmentsBelow(lowWater);
            segmentsDeletedBelow = lowWater;
        }
    }

    private void deleteSettledSegments() {
        long below = Math.min(checkpointedLowWater, log.logEndOffset());
        if (below > segmentsDeletedBelow) {
            log.deleteSegmentsBelow(below);
            segmentsDeletedBelow = below;
        }
    }

    /**
     * Clean shutdown: a durable queue's store appends what is pending, writes the final checkpoint
     * and closes (fsyncs) the log; a spill log is removed (transient messages do not outlive the broker).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (!durable) {
            closed = true;
            closeSpillLog();
            return;
        }
        try {
            endOfDrain();
            AckCheckpoint last = snapshot().withCleanShutdown(true);
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

    private void closeSpillLog() {
        pendingRecords.clear();
        pendingConfirms.clear();
        if (log != null) {
            try {
                log.close();
            } catch (RuntimeException e) {
                LOG.warn("{}: closing the spill log failed: {}", description, e.toString());
            }
            log = null;
        }
        StorageFiles.deleteRecursively(directory);
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
        closeSpillLogOrLog();
    }

    private void closeSpillLogOrLog() {
        if (!durable) {
            closeSpillLog();
            return;
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
