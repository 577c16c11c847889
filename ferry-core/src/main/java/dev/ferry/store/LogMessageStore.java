package dev.ferry.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.log.AppendResult;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.Log;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogException;
import dev.ferry.log.LogFileSystem;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.LogStorageException;
import dev.ferry.message.Message;
import dev.ferry.queue.DeduplicationSettings;
import dev.ferry.queue.DeduplicationWindow;
import dev.ferry.queue.InMemoryMessageStore;
import dev.ferry.queue.MessagePriority;
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
 *       with one {@link Log#append}. The queue calls it before it delivers anything, and the store
 *       writes pending records itself before a message of them leaves the ready set (a get, an
 *       expiry, a purge in the same drain): a record is always written before its message is
 *       seen. A persistent message's confirm is accepted when the append's future completes:
 *       under {@code ALWAYS}, after the covering fsync (group commit across all queues sharing
 *       the flusher). A paged transient message is confirmed once its record is written (that
 *       record is its only copy); its record is marked so that recovery drops it.</li>
 *   <li><b>Failed writes.</b> If an append throws (the write failed: a full disk), nothing of it
 *       counts: its messages leave the ready set (or the paged range) before anyone saw them,
 *       their publishers are nacked, and the next drain simply tries again with its own
 *       messages. If an append's future fails (the fsync failed), its persistent messages'
 *       publishers are nacked, those still waiting leave the queue, and their offsets are settled
 *       (their records may be on disk: they must not come back after a restart); the log refuses
 *       writes after a failed fsync, so {@link #maintain()} closes and reopens it, which
 *       re-validates it from disk. A log that comes back shorter than before makes the store
 *       forget what it knew of the offsets beyond its end (they will be given to new records).</li>
 *   <li><b>Paging.</b> Paged messages are pages of offsets ({@link PagedRange}); nothing per message
 *       stays on the heap. When the messages in memory drop to half the limits, the next pages are
 *       read and decoded back into memory, in order. Paged messages past their expiry are found
 *       by reading only the pages whose earliest expiry has passed.</li>
 *   <li><b>Settlement.</b> Settled offsets ({@link SettledOffsets}), the delivered high-water mark
 *       and the return counts and retry due times of returned persistent messages are written as
 *       an {@link AckCheckpoint} by {@link #maintain()} (every ack checkpoint interval; the file
 *       is written and fsynced on the storage's maintenance thread, never on the owner) and by
 *       {@link #close()}. Segments wholly below a checkpointed low-water mark are deleted, so a
 *       drained queue gives its disk back.</li>
 *   <li><b>Recovery.</b> {@link #open} reads the newest valid checkpoint, clamps it to the log's
 *       end (a cut tail's offsets are reused), and makes every unsettled persistent record above
 *       the low-water mark ready, in order (the first up to the paging limits in memory, the rest
 *       paged), redelivered if it lies below the delivered high-water mark of a clean shutdown's
 *       checkpoint, and always after a crash (the last interval's deliveries are unknown). A
 *       message that was waiting out a retry delay waits again until its due time. Offsets
 *       without a readable record ({@link RecordCursor}: a damaged batch, a batch the log
 *       skipped) are settled with an ERROR naming the queue, the segment file and the range, and
 *       recovery goes on after them.</li>
 * </ul>
 *
 * <p>Thread safety: the queue's owner thread calls every {@link MessageStore} method. The only
 * other threads are the maintenance thread writing a checkpoint snapshot (it and the owner's
 * {@link #close()} / {@link #deleted()} meet under one lock per store, taken per checkpoint, never
 * per message) and the flusher thread completing appends, which hands failed ones to the owner
 * through a concurrent queue.
 */
public final class LogMessageStore implements MessageStore {
    private static final Logger LOG = LoggerFactory.getLogger(LogMessageStore.class);
    private static final int READ_BYTES = 1024 * 1024;
    private static final int MIN_PAGE_IN_BYTES = 4096;

    private final String description;
    private final Path directory;
    // A durable queue's log, recovered and checkpointed; otherwise a spill log for paging only.
    private final boolean durable;
    private final LogConfig config;
    private final LogFlusher flusher;
    // The broker's open files: the log's segments are opened through it, and the checkpoint files
    // are written on its file system.
    private final FileHandleCache files;
    private final LogFileSystem fileSystem;
    private final Executor checkpointWriter;
    private final PagingLimits limits;
    // This queue's part in the broker-wide budget of ready messages in memory.
    private final ReadyMemoryBudget.Share memoryShare;
    private final LogAppender appender;
    private final StoreObserver observer;
    // Half the log's largest batch, at most a page-in read: a drain's records are appended in chunks of about this size.
    private final long batchLimit;
    private final int pageInReadBytes;
    // Ready messages in memory and paged out, each by priority level (one level without x-max-priority).
    private final int topLevel;
    private final InMemoryMessageStore ready;
    private final PagedRange[] pagedLevels;
    private int highestPagedLevelMade; // levels above it have no PagedRange yet
    private Log log; // a spill log is opened when paging first needs it
    private SettledOffsets settled;
    private long deliveredHighWater;
    // Records below it were written before this start: their offsets are their sequences, and
    // those below recoveredDeliveredHighWater had been delivered.
    private long recoveredEnd;
    private long recoveredDeliveredHighWater;
    private final ReturnedMessages returns = new ReturnedMessages();
    private boolean checkpointDue;
    private long segmentsDeletedBelow;
    private List<QueuedMessage> recovered;
    private List<QueuedMessage> recoveredWaiting;
    private Consumer<QueuedMessage> pagedInListener = message -> { };
    private Consumer<QueuedMessage> evictedListener = message -> { };
    private boolean closed;

    // Confirms wait for it too while it is incomplete: a new queue's declaration becoming durable.
    private CompletableFuture<Void> declarationDurable = CompletableFuture.completedFuture(null);

    // The records of the current drain, with their messages and confirms; offsets from pendingFrom.
    private final List<SimpleRecord> pendingRecords = new ArrayList<>();
    private final List<QueuedMessage> pendingMessages = new ArrayList<>();
    private final List<PublishConfirm> pendingConfirms = new ArrayList<>();
    // Which of the pending messages are paged (kept on disk only), by their index in pendingMessages.
    private final BitSet pendingPaged = new BitSet();
    private long pendingFrom;
    private long highestSequenceWritten = -1;
    // The last write confirms wait for (the log's append, with the declaration's): a duplicate's
    // confirm follows it, since the log completes writes in order.
    private CompletableFuture<?> lastStored;

    // x-message-deduplication: the ids' journal (durable queues only), the queue's window once the
    // queue gave it, the ids read back at open until then, and this drain's duplicates' confirms.
    private DeduplicationJournal journal;
    private DeduplicationWindow window;
    private List<DeduplicationJournal.Entry> recoveredIds = List.of();
    private final List<PublishConfirm> duplicateConfirms = new ArrayList<>();
    // Segments of the queue's log may go only below idsDurableBelow: the records whose ids the
    // journal holds durably. The marks: once the journal is durable up to journalMark, every id of
    // the records below messageMark is (both taken when all of them were written to the journal).
    private long idsDurableBelow = Long.MAX_VALUE;
    private long journalMark = -1;
    private long messageMark;

    // Write trouble. Appends whose fsync failed, handed over by the flusher thread.
    private final ConcurrentLinkedQueue<List<QueuedMessage>> failedSyncs = new ConcurrentLinkedQueue<>();
    private boolean appendFailedSinceMaintain;
    private boolean reopenNeeded;
    // A reopened log came back shorter and no checkpoint on disk says so yet (durable queues): one
    // must be written before the log takes a record, or it could settle the offsets new records reuse.
    private boolean cutNotCheckpointed;
    private long failedAppends; // since writes last succeeded; 0 = no trouble
    private long nackedInTrouble;
    private long readFailures; // page-in reads that failed in a row, for rate-limited logging
    // After a reopen that came back shorter: offsets whose in-memory messages lost their records.
    private final List<ForgottenRange> forgotten = new ArrayList<>();
    // Sequences of messages whose fsync failed but that were not found to withdraw: paged out and
    // read back before the failure was known, the ready set holds a copy decoded from the record,
    // not the object the failed append carried. Such a copy is dropped when it reaches the head.
    // By sequence, not offset: a reopened log that comes back shorter gives the offset to another.
    private final TreeSet<Long> withdrawnSequences = new TreeSet<>();

    // Checkpoint files: the owner takes snapshots, the maintenance thread writes them.
    private final Object checkpointFiles = new Object();
    private long snapshotsTaken;
    private long snapshotsWritten; // guarded by checkpointFiles
    private boolean filesReleased; // guarded by checkpointFiles
    private volatile long checkpointedLowWater;

    /**
     * Offsets {@code [from, to)} whose records a reopened log no longer holds: messages of this run
     * that carry them (sequence below {@code sequencesBelow}) have no record any more, and new
     * records reuse the offsets.
     */
    private record ForgottenRange(long from, long to, long sequencesBelow) {
    }

    /**
     * How the store hands a batch to its log: {@link Log#append} in production. A seam for one
     * test only, which fails an append's future as a failed fsync would (nothing real fails an
     * fsync on demand); every other test runs on the real log.
     */
    @FunctionalInterface
    interface LogAppender {
        LogAppender DIRECT = Log::append;

        CompletableFuture<AppendResult> append(Log log, List<SimpleRecord> records);
    }

    /**
     * What the store tells a watcher besides its log lines: the queue fault simulation
     * ({@code QueueStoreFaultSimulationTest}) checks every loss it reports and every checkpoint it
     * writes against what the simulation did. Production passes {@link #NONE}. Called on the
     * thread doing the work (the owner, or the checkpoint writer); must not block.
     */
    interface StoreObserver {
        StoreObserver NONE = new StoreObserver() { };

        /**
         * Offsets {@code [first, last]} hold no readable record any more; {@code unsettled} of them
         * held messages not yet settled, which are lost (each such report is also an ERROR line).
         */
        default void lost(long first, long last, long unsettled) {
        }

        /** {@code checkpoint} is durable in the store's directory (its write and the directory fsync returned). */
        default void checkpointWritten(AckCheckpoint checkpoint) {
        }
    }

    // A quorum queue's store: transient messages are kept like persistent ones (RabbitMQ's quorum
    // queues write every message). Set once, before the queue uses the store.
    private boolean keepsTransientMessages;

    private LogMessageStore(String description, Path directory, boolean durable, LogConfig config, LogFlusher flusher,
                            FileHandleCache files, Executor checkpointWriter, PagingLimits limits, LogAppender appender,
                            StoreObserver observer, int topLevel) {
        this.description = description;
        this.topLevel = topLevel;
        this.ready = new InMemoryMessageStore(topLevel);
        this.pagedLevels = new PagedRange[topLevel + 1];
        this.pagedLevels[0] = new PagedRange();
        this.directory = directory;
        this.durable = durable;
        this.config = config;
        this.flusher = flusher;
        this.files = files;
        this.fileSystem = files.fileSystem();
        this.checkpointWriter = checkpointWriter;
        this.limits = limits;
        this.memoryShare = limits.brokerWide().share();
        this.appender = appender;
        this.observer = observer;
        // And at most one page-in read: a page-in reads whole batches, so a larger batch of several
        // large messages would be read whole for each of them while memory has room for one.
        this.batchLimit = Math.min(config.batchBytesMax() / 2, READ_BYTES);
        // A page-in never reads much more than memory may take: each read is checked whole.
        this.pageInReadBytes = (int) Math.max(MIN_PAGE_IN_BYTES, Math.min(READ_BYTES, limits.bytes()));
        this.settled = new SettledOffsets(0);
    }

    private void startFrom(Log opened, AckCheckpoint checkpoint) {
        this.log = opened;
        long lowWater = Math.max(checkpoint.lowWater(), opened.logStartOffset());
        this.settled = new SettledOffsets(lowWater);
        OffsetRuns runs = checkpoint.settled();
        for (int i = 0; i < runs.count(); i++) {
            settled.settleRun(runs.start(i), runs.length(i));
        }
        this.deliveredHighWater = checkpoint.deliveredHighWater();
        // After a crash the last interval's deliveries are unknown: any unsettled message may have
        // been delivered, so every one comes back flagged redelivered.
        this.recoveredDeliveredHighWater = checkpoint.cleanShutdown() ? checkpoint.deliveredHighWater() : Long.MAX_VALUE;
        this.checkpointedLowWater = checkpoint.lowWater();
        this.recoveredEnd = opened.logEndOffset();
        returns.restore(checkpoint);
    }

    /**
     * Opens (creating if needed) the store of a durable queue in {@code directory} and recovers its
     * unsettled messages, with the process's shared {@link FileHandleCache#processDefault() file
     * handle cache}.
     *
     * @param config           the queue log's settings; its batch limit bounds one append
     * @param flusher          the broker's shared flusher (one per disk), or null for a private one
     * @param checkpointWriter where checkpoint files are written (one thread, in order)
     * @param limits           how much of the ready messages stays in memory
     * @param description      the queue, for log lines
     */
    public static LogMessageStore open(Path directory, LogConfig config, LogFlusher flusher,
                                       Executor checkpointWriter, PagingLimits limits, String description) {
        return open(directory, config, flusher, FileHandleCache.processDefault(), checkpointWriter, limits, description);
    }

    /**
     * As {@link #open(Path, LogConfig, LogFlusher, Executor, PagingLimits, String)}, with the
     * broker's {@code files}: the log's segment files are opened through that cache, and the
     * checkpoint files are written on its file system.
     */
    public static LogMessageStore open(Path directory, LogConfig config, LogFlusher flusher, FileHandleCache files,
                                       Executor checkpointWriter, PagingLimits limits, String description) {
        return open(directory, config, flusher, files, checkpointWriter, limits, description, 0);
    }

    /**
     * As {@link #open(Path, LogConfig, LogFlusher, FileHandleCache, Executor, PagingLimits, String)}, for a
     * queue with priority levels 0 to {@code topLevel} ({@link MessagePriority#topLevel}; 0 without priorities).
     */
    public static LogMessageStore open(Path directory, LogConfig config, LogFlusher flusher, FileHandleCache files,
                                       Executor checkpointWriter, PagingLimits limits, String description, int topLevel) {
        return open(directory, config, flusher, files, checkpointWriter, limits, description, LogAppender.DIRECT,
                StoreObserver.NONE, topLevel);
    }

    /** As {@link #open(Path, LogConfig, LogFlusher, Executor, PagingLimits, String)}, appending through {@code appender}. */
    static LogMessageStore open(Path directory, LogConfig config, LogFlusher flusher, Executor checkpointWriter,
                                PagingLimits limits, String description, LogAppender appender) {
        return open(directory, config, flusher, FileHandleCache.processDefault(), checkpointWriter, limits, description,
                appender, StoreObserver.NONE, 0);
    }

    /**
     * As {@link #open(Path, LogConfig, LogFlusher, FileHandleCache, Executor, PagingLimits, String, int)}, for a
     * queue with x-message-deduplication ({@code deduplication}; null for none): its journal is opened and its
     * window read back, from the journal and from the records the journal does not cover yet
     * ({@link DeduplicationJournal}); it may wait for an fsync, so not on an event loop.
     */
    public static LogMessageStore open(Path directory, LogConfig config, LogFlusher flusher, FileHandleCache files,
                                       Executor checkpointWriter, PagingLimits limits, String description, int topLevel,
                                       DeduplicationSettings deduplication) {
        return open(directory, config, flusher, files, checkpointWriter, limits, description, LogAppender.DIRECT,
                StoreObserver.NONE, topLevel, deduplication);
    }

    /** The full form: appending through {@code appender}, telling {@code observer} of losses and checkpoints. */
    static LogMessageStore open(Path directory, LogConfig config, LogFlusher flusher, FileHandleCache files,
                                Executor checkpointWriter, PagingLimits limits, String description, LogAppender appender,
                                StoreObserver observer, int topLevel) {
        return open(directory, config, flusher, files, checkpointWriter, limits, description, appender, observer,
                topLevel, null);
    }

    private static LogMessageStore open(Path directory, LogConfig config, LogFlusher flusher, FileHandleCache files,
                                        Executor checkpointWriter, PagingLimits limits, String description,
                                        LogAppender appender, StoreObserver observer, int topLevel,
                                        DeduplicationSettings deduplication) {
        Log log = Log.open(directory, config, flusher, files);
        LogMessageStore opened = null;
        try {
            LogMessageStore store = new LogMessageStore(description, directory, true, config, flusher, files,
                    checkpointWriter, limits, appender, observer, topLevel);
            AckCheckpoint read = AckCheckpoint.read(files.fileSystem(), directory);
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
                store.writeCheckpointFile(running);
                store.writeCheckpointFile(running);
            }
            store.startFrom(log, checkpoint);
            opened = store;
            if (deduplication != null) {
                // Before recover(), which deletes settled segments: their records may hold ids the journal lacks.
                store.openJournal(deduplication);
            }
            store.recover();
            return store;
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                opened.closeJournal();
            }
            log.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot recover " + description, io);
            }
            throw (RuntimeException) e;
        }
    }

    /**
     * The store of a non-durable queue: in memory up to {@code limits}, then paged to a spill log
     * in {@code directory}. Whatever the directory holds (a previous run's spill) is removed first;
     * nothing is created until the queue first pages. On the process's shared file handle cache.
     */
    public static LogMessageStore openTransient(Path directory, LogConfig config, LogFlusher flusher,
                                                PagingLimits limits, String description) {
        return openTransient(directory, config, flusher, FileHandleCache.processDefault(), limits, description, 0);
    }

    /**
     * As {@link #openTransient(Path, LogConfig, LogFlusher, PagingLimits, String)}, with the broker's
     * {@code files} and priority levels 0 to {@code topLevel}.
     */
    public static LogMessageStore openTransient(Path directory, LogConfig config, LogFlusher flusher,
                                                FileHandleCache files, PagingLimits limits, String description,
                                                int topLevel) {
        StorageFiles.deleteRecursively(files.fileSystem(), directory);
        return new LogMessageStore(description, directory, false, config, flusher, files, Runnable::run, limits,
                LogAppender.DIRECT, StoreObserver.NONE, topLevel);
    }

    // ---- recovery

    private void recover() {
        long lowWater = settled.lowWater();
        if (lowWater > log.logStartOffset()) {
            log.deleteSegmentsBelow(lowWater);
        }
        segmentsDeletedBelow = lowWater;
        List<QueuedMessage> messages = new ArrayList<>();
        List<QueuedMessage> waiting = new ArrayList<>();
        long end = log.logEndOffset();
        int dropped = 0;
        try (RecordCursor cursor = new RecordCursor(log, lowWater, end, READ_BYTES, this::lostAtRecovery)) {
            Record record;
            while ((record = cursor.next()) != null) {
                long offset = record.offset();
                if (settled.isSettled(offset)) {
                    continue;
                }
                try {
                    MessageRecordCodec.Summary summary = MessageRecordCodec.summarize(record);
                    long retryDueAt = returns.retryDueAt(offset);
                    if (summary.transientCopy()) {
                        // A transient message that was only paged out: lost on restart, as in memory.
                        settleOffset(offset);
                        dropped++;
                    } else if (retryDueAt != QueuedMessage.NOT_WAITING) {
                        // Out of the ready order until its retry delay is over, as before the restart.
                        QueuedMessage message = decodeRecord(record);
                        message.waitForRetryUntil(retryDueAt);
                        waiting.add(message);
                    } else {
                        // Memory takes the oldest of each level; once a level pages, the rest of it follows.
                        PagedRange paged = pagedAt(levelOfRecord(record));
                        if (paged.isEmpty() && !limits.full(ready.readyCount(), ready.readyBytes(), bodySize(record))) {
                            QueuedMessage message = decodeRecord(record);
                            ready.append(message, null);
                            messages.add(message);
                        } else {
                            paged.add(offset, bodySize(record), summary.expiresAt());
                        }
                    }
                } catch (IOException e) {
                    lostAtRecovery(offset, offset, e.getMessage());
                }
            }
        }
        recovered = messages;
        recoveredWaiting = waiting;
        LOG.info("{}: recovered {} messages ({} paged out, {} waiting to be retried) from offsets [{}, {}); "
                + "{} transient copies dropped", description, readyCount(), pagedCount(), waiting.size(), lowWater,
                end, dropped);
    }

    /**
     * Recovery found offsets with no readable record: they are settled, so the low-water mark can
     * pass them and the queue carries on with everything after them.
     */
    private void lostAtRecovery(long first, long last, String why) {
        long unsettled = 0;
        for (long offset = first; offset <= last; offset++) {
            if (!settled.isSettled(offset)) {
                unsettled++;
            }
        }
        settled.settleRun(first, last - first + 1);
        checkpointDue = true;
        observer.lost(first, last, unsettled);
        if (unsettled > 0) {
            LOG.error("{}: {} unsettled messages at offsets {}..{} of {} are lost ({}); the queue goes on without them",
                    description, unsettled, first, last, segmentFile(first), why);
        } else {
            LOG.warn("{}: offsets {}..{} of {} cannot be read ({}); everything there was settled already",
                    description, first, last, segmentFile(first), why);
        }
    }

    /** The segment file that holds {@code offset}, for log lines. */
    private Path segmentFile(long offset) {
        long base = 0;
        for (long segmentBase : log.segmentBaseOffsets()) {
            if (segmentBase > offset) {
                break;
            }
            base = segmentBase;
        }
        // The log's own naming: the base offset in 20 digits.
        return directory.resolve(String.format("%020d.log", base));
    }

    private static int bodySize(Record record) {
        return Math.max(0, record.valueSize());
    }

    /** A ready message from its record: written before this start, its offset is its sequence. */
    private QueuedMessage decodeRecord(Record record) throws IOException {
        MessageRecordCodec.Decoded decoded = MessageRecordCodec.decode(record);
        long offset = record.offset();
        boolean fromEarlierRun = offset < recoveredEnd || decoded.sequence() == MessageRecordCodec.NO_SEQUENCE;
        return QueuedMessage.recovered(fromEarlierRun ? offset : decoded.sequence(), decoded.message(), offset,
                decoded.expiresAt(), fromEarlierRun && offset < recoveredDeliveredHighWater, returns.count(offset));
    }

    @Override
    public List<QueuedMessage> recovered() {
        List<QueuedMessage> messages = recovered == null ? List.of() : recovered;
        recovered = null;
        return messages;
    }

    @Override
    public List<QueuedMessage> recoveredWaiting() {
        List<QueuedMessage> messages = recoveredWaiting == null ? List.of() : recoveredWaiting;
        recoveredWaiting = null;
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
    public void setEvictedListener(Consumer<QueuedMessage> listener) {
        evictedListener = listener;
    }

    // ---- appends

    @Override
    public void append(QueuedMessage message, PublishConfirm confirm) {
        Message content = message.message();
        boolean persist = keeps(content);
        PagedRange paged = pagedLevels[ready.levelOf(message)];
        boolean page = (paged != null && !paged.isEmpty())
                || limits.full(ready.readyCount(), ready.readyBytes(), content.bodySize());
        if (closed || (!persist && !page)) {
            ready.append(message, confirm);
            return;
        }
        if (log == null) {
            try {
                openSpillLog();
            } catch (LogException e) {
                // Memory is full and the disk refuses the spill log: the message cannot be kept.
                noteFailedAppend(1, e);
                fail(confirm, e);
                return;
            }
        }
        if (pendingRecords.isEmpty()) {
            pendingFrom = log.logEndOffset();
        }
        long offset = pendingFrom + pendingRecords.size();
        message.assignLogOffset(offset);
        highestSequenceWritten = Math.max(highestSequenceWritten, message.sequence());
        pendingRecords.add(MessageRecordCodec.encode(content, message.expiresAt(), System.currentTimeMillis(),
                message.sequence(), !persist));
        if (page) {
            pendingPaged.set(pendingMessages.size());
        }
        pendingMessages.add(message);
        pendingConfirms.add(confirm);
        if (page) {
            pagedAt(ready.levelOf(message)).add(offset, content.bodySize(), message.expiresAt());
        } else {
            ready.append(message, null);
        }
    }

    /**
     * Every message is written and recovered as if it were persistent (a quorum queue's rule),
     * delivery mode 1 or not; the message keeps its delivery mode. Only for a durable queue's
     * store, called once before the queue uses it.
     */
    public void keepTransientMessages() {
        assert durable : "only a durable queue keeps messages across restarts";
        keepsTransientMessages = true;
    }

    /**
     * Opens the deduplication journal and reads the window back: the journal's ids, then those of
     * the queue's records after the last one the journal covers (written, not yet journaled, when
     * the broker stopped), which are journaled now, fsynced before the queue runs.
     */
    private void openJournal(DeduplicationSettings deduplication) {
        journal = DeduplicationJournal.open(directory, config, flusher, files, description);
        DeduplicationJournal.Recovered read = journal.recover(log.logEndOffset());
        List<DeduplicationJournal.Entry> entries = new ArrayList<>(read.entries());
        long from = Math.max(log.logStartOffset(), read.lastMessageOffset() + 1);
        // Unreadable records are reported (and settled) by recover(), which reads them next.
        try (RecordCursor cursor = new RecordCursor(log, from, log.logEndOffset(), READ_BYTES, (first, last, why) -> { })) {
            Record record;
            while ((record = cursor.next()) != null) {
                if (read.forgottenMessageOffsets().contains(record.offset())) {
                    continue; // its message was nacked: a resend must be stored
                }
                try {
                    MessageRecordCodec.Decoded decoded = MessageRecordCodec.decode(record);
                    String id = decoded.transientCopy() ? null : deduplication.idOf(decoded.message());
                    if (id != null) {
                        long journalOffset = journal.add(id, decoded.arrivedAt(), record.offset());
                        entries.add(new DeduplicationJournal.Entry(id, decoded.arrivedAt(), journalOffset));
                    }
                } catch (IOException e) {
                    // Not a message record recovery can read either: no id to keep.
                }
            }
        }
        if (journal.hasPending() && !journal.flush()) {
            throw new UncheckedIOException(new IOException(description + ": its deduplication journal could not be written"));
        }
        recoveredIds = entries;
        idsDurableBelow = log.logEndOffset();
        if (!entries.isEmpty()) {
            LOG.info("{}: {} deduplication ids read back ({} from records the journal did not cover)", description,
                    entries.size(), entries.size() - read.entries().size());
        }
    }

    @Override
    public void restoreDeduplication(DeduplicationWindow queueWindow) {
        window = queueWindow;
        for (DeduplicationJournal.Entry entry : recoveredIds) {
            queueWindow.restore(entry.id(), entry.admittedAtMs(), entry.journalOffset());
        }
        recoveredIds = List.of();
    }

    @Override
    public long journalDeduplicationId(QueuedMessage message, String id, long admittedAtMs) {
        if (journal == null || closed || !keeps(message.message()) || message.logOffset() == QueuedMessage.NOT_IN_LOG) {
            return DeduplicationWindow.NOT_JOURNALED; // it does not outlive a restart, nor does its id
        }
        return journal.add(id, admittedAtMs, message.logOffset());
    }

    @Override
    public void confirmDuplicate(PublishConfirm confirm) {
        if (closed) {
            confirm.queueAccepted();
        } else if (!pendingRecords.isEmpty()) {
            duplicateConfirms.add(confirm); // its original may be among them: after this drain's write
        } else {
            confirmAfterLastWrite(confirm);
        }
    }

    private void confirmAfterLastWrite(PublishConfirm confirm) {
        CompletableFuture<?> last = lastStored;
        if (last == null || (last.isDone() && !last.isCompletedExceptionally())) {
            confirm.queueAccepted();
        } else {
            last.whenComplete((result, error) -> {
                if (error == null) {
                    confirm.queueAccepted();
                } else {
                    confirm.queueFailed(error);
                }
            });
        }
    }

    /** Whether {@code message} outlives a restart in this store. */
    private boolean keeps(Message message) {
        return durable && (keepsTransientMessages || message.properties().persistent());
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
        log = Log.open(directory, config, flusher, files);
        settled = new SettledOffsets(log.logEndOffset());
        segmentsDeletedBelow = log.logStartOffset();
        LOG.debug("{}: paging to {}", description, directory);
    }

    /** Whether {@code message} is among the records of this drain not yet written. */
    private boolean isPending(QueuedMessage message) {
        return !pendingRecords.isEmpty() && message.logOffset() >= pendingFrom;
    }

    /**
     * Writes the drain's records: one log append per batch limit's worth (normally one). The
     * messages of an append that fails, and of every later one of the drain (their offsets
     * counted on it), leave the queue unseen and their publishers are nacked.
     */
    @Override
    public void endOfDrain() {
        try {
            writeDrain();
        } finally {
            if (!closed) {
                memoryShare.holding(ready.readyCount(), ready.readyBytes());
            }
        }
    }

    private void writeDrain() {
        if (!failedSyncs.isEmpty()) {
            settleFailedSyncs();
        }
        if (journal != null) {
            journal.write(); // not fsynced: the ids are in the messages' own records too (see DeduplicationJournal)
        }
        if (pendingRecords.isEmpty()) {
            confirmDuplicates(null);
            return;
        }
        List<SimpleRecord> records = new ArrayList<>(pendingRecords);
        List<QueuedMessage> messages = new ArrayList<>(pendingMessages);
        List<PublishConfirm> confirms = new ArrayList<>(pendingConfirms);
        BitSet paged = (BitSet) pendingPaged.clone();
        pendingRecords.clear();
        pendingMessages.clear();
        pendingConfirms.clear();
        pendingPaged.clear();
        int from = 0;
        while (from < records.size()) {
            int to = from;
            long bytes = 0;
            while (to < records.size() && (to == from || bytes + estimatedBytes(records.get(to)) <= batchLimit)) {
                bytes += estimatedBytes(records.get(to));
                to++;
            }
            try {
                appendChunk(records.subList(from, to), messages.subList(from, to), confirms.subList(from, to));
            } catch (RuntimeException e) {
                withdraw(messages.subList(from, records.size()), confirms.subList(from, records.size()), e);
                confirmDuplicates(e);
                return;
            }
            releasePagedBodies(messages, paged, from, to);
            from = to;
        }
        confirmDuplicates(null);
        if (failedAppends > 0) {
            LOG.info("{}: writes succeed again after {} failed appends ({} messages nacked)", description,
                    failedAppends, nackedInTrouble);
            failedAppends = 0;
            nackedInTrouble = 0;
        }
    }

    /** This drain's duplicates: nacked if its write failed (their originals may be in it), else after the last write. */
    private void confirmDuplicates(RuntimeException writeFailed) {
        if (duplicateConfirms.isEmpty()) {
            return;
        }
        for (PublishConfirm confirm : duplicateConfirms) {
            if (writeFailed != null) {
                confirm.queueFailed(writeFailed);
            } else {
                confirmAfterLastWrite(confirm);
            }
        }
        duplicateConfirms.clear();
    }

    /** @throws RuntimeException (a {@link LogException} normally) if the write failed or was refused: nothing of it counts */
    private void appendChunk(List<SimpleRecord> records, List<QueuedMessage> messages, List<PublishConfirm> confirms) {
        assert log.logEndOffset() == messages.get(0).logOffset() : "offsets assigned before the log moved";
        CompletableFuture<AppendResult> appended = appender.append(log, records);
        // Written. A paged transient message is confirmed now: its record, its only copy, is in the
        // log. Persistent ones wait for the durability the log's policy gives.
        List<QueuedMessage> persistent = new ArrayList<>(messages.size());
        List<PublishConfirm> waiting = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            PublishConfirm confirm = confirms.get(i);
            if (isPersisted(messages.get(i))) {
                persistent.add(messages.get(i));
                if (confirm != null) {
                    waiting.add(confirm);
                }
            } else if (confirm != null) {
                confirm.queueAccepted();
            }
        }
        if (persistent.isEmpty()) {
            return;
        }
        // A new queue's confirms also wait for its declaration to be durable (isDone() once it is).
        CompletableFuture<Void> declared = declarationDurable;
        CompletableFuture<AppendResult> stored = declared.isDone() && !declared.isCompletedExceptionally() ? appended
                : appended.thenCombine(declared, (result, ignored) -> result);
        lastStored = stored;
        stored.whenComplete((result, error) -> {
            if (error == null) {
                waiting.forEach(PublishConfirm::queueAccepted);
            } else {
                waiting.forEach(confirm -> confirm.queueFailed(error));
                if (appended.isCompletedExceptionally()) {
                    failedSyncs.add(persistent); // the owner withdraws and settles them
                }
            }
        });
    }

    /**
     * Written, a paged message's body is on disk only: the queue's reference to the in-memory copy
     * goes back (a large one's memory at once). It comes back from the log as a new message when its
     * turn comes. The queue's expiry index may still hold one with an expiry, as a key only: an
     * expiry takes from memory only what {@link #removeReady} finds there, and reads the rest back
     * ({@link #expirePaged}).
     */
    private static void releasePagedBodies(List<QueuedMessage> messages, BitSet paged, int from, int to) {
        for (int i = paged.nextSetBit(from); i >= 0 && i < to; i = paged.nextSetBit(i + 1)) {
            messages.get(i).message().messageBody().release();
        }
    }

    private boolean isPersisted(QueuedMessage message) {
        return keeps(message.message());
    }

    /**
     * A write failed: these messages (the newest, in order) were never written, so they leave the
     * ready set or the paged range unseen and their publishers are nacked. Their offsets go to
     * the next records the log takes. The queue's references to their bodies go back at once: on a
     * full disk, publishers of large messages keep sending, and every nacked body left to the
     * collector would hold its off-heap memory until a collection that a quiet heap may not run.
     */
    private void withdraw(List<QueuedMessage> messages, List<PublishConfirm> confirms, RuntimeException cause) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            QueuedMessage message = messages.get(i);
            if (ready.removeRecent(message)) {
                evictedListener.accept(message);
                message.message().messageBody().release();
            } else {
                pagedAt(ready.levelOf(message)).removeNewest(message.logOffset(), message.message().bodySize());
                message.message().messageBody().release();
            }
            fail(confirms.get(i), cause);
        }
        noteFailedAppend(messages.size(), cause);
    }

    /** One line when writes start failing; a count until they succeed again. */
    private void noteFailedAppend(int messages, RuntimeException cause) {
        appendFailedSinceMaintain = true;
        if (failedAppends++ == 0) {
            LOG.error("{}: writing {} messages failed, their publishers are nacked; later messages are tried as "
                    + "they come: {}", description, messages, cause.getMessage());
        }
        nackedInTrouble += messages;
    }

    /**
     * Appends whose fsync failed (handed over by the flusher): their publishers were nacked, so
     * those still waiting leave the queue, and their offsets are settled so that records which did
     * reach the disk never come back after a restart. The log refuses writes until reopened.
     */
    private void settleFailedSyncs() {
        List<QueuedMessage> failed;
        while ((failed = failedSyncs.poll()) != null) {
            reopenNeeded = true;
            int withdrawn = 0;
            for (QueuedMessage message : failed) {
                if (window != null) {
                    String id = window.settings().idOf(message.message());
                    if (id != null) {
                        window.forget(id); // nacked: a resend must be stored, after a restart too
                        if (journal != null) {
                            journal.forget(id, message.logOffset());
                        }
                    }
                }
                if (!hasRecord(message)) {
                    continue; // a reopened log forgot its offset already
                }
                if (ready.removeRecent(message)) {
                    evictedListener.accept(message);
                    message.message().messageBody().release();
                    withdrawn++;
                } else if (pagedAt(ready.levelOf(message)).removeAt(message.logOffset(), message.message().bodySize())) {
                    withdrawn++;
                } else {
                    // Delivered already (then it is the consumer's; it will not come back after a
                    // restart), or paged in as a copy: that one must not be delivered.
                    withdrawnSequences.add(message.sequence());
                }
                settleOffset(message.logOffset());
            }
            LOG.error("{}: the fsync of {} messages at offsets {}..{} failed; their publishers were nacked, {} of them "
                    + "left the queue before delivery", description, failed.size(), failed.get(0).logOffset(),
                    failed.get(failed.size() - 1).logOffset(), withdrawn);
        }
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

    /**
     * Whether {@code message}'s log offset is its record's: not a message the store keeps in memory
     * only, nor one whose record a reopened log lost (its offset now belongs to another record).
     */
    private boolean hasRecord(QueuedMessage message) {
        long offset = message.logOffset();
        if (offset == QueuedMessage.NOT_IN_LOG) {
            return false;
        }
        for (ForgottenRange range : forgotten) {
            if (offset >= range.from() && offset < range.to() && message.sequence() < range.sequencesBelow()) {
                return false;
            }
        }
        return true;
    }

    // ---- the ready set

    @Override
    public QueuedMessage pollReady() {
        if (!failedSyncs.isEmpty()) {
            settleFailedSyncs(); // their publishers were nacked: not delivered from now on
        }
        QueuedMessage head = ready.peekReady();
        if (head != null && isPending(head)) {
            endOfDrain(); // written before it is seen
        }
        pageInWhereNeeded();
        QueuedMessage message = ready.pollReady();
        while (message != null && !withdrawnSequences.isEmpty() && withdrawnSequences.remove(message.sequence())) {
            // A copy of a message whose fsync failed: its publisher was nacked, so it leaves unseen.
            evictedListener.accept(message);
            message.message().messageBody().release();
            message = ready.pollReady();
        }
        if (durable && message != null && message.logOffset() >= deliveredHighWater && hasRecord(message)) {
            deliveredHighWater = message.logOffset() + 1;
            checkpointDue = true;
        }
        return message;
    }

    /**
     * Reads paged-out messages back before the next one is taken. A level whose messages are all
     * on disk while a lower level has some in memory is read at once (otherwise the lower level
     * would overtake it), up to the memory limits counted for that level alone and at most twice
     * the limits in all; otherwise levels are read, highest first, once memory has drained to half.
     */
    private void pageInWhereNeeded() {
        int highestPaged = highestPagedLevel();
        if (highestPaged < 0) {
            return;
        }
        if (highestPaged > ready.highestReadyLevel()) {
            pageIn(highestPaged, true);
            return;
        }
        if (!limits.wantsPageIn(ready.readyCount(), ready.readyBytes())) {
            return;
        }
        for (int level = highestPaged; level >= 0; level--) {
            PagedRange paged = pagedLevels[level];
            if (paged != null && !paged.isEmpty()) {
                pageIn(level, false);
                if (limits.full(ready.readyCount(), ready.readyBytes(), 0)) {
                    return;
                }
            }
        }
    }

    /** The highest priority level with paged-out messages, or -1 when none is paged out. */
    private int highestPagedLevel() {
        for (int level = highestPagedLevelMade; level >= 0; level--) {
            PagedRange paged = pagedLevels[level];
            if (paged != null && !paged.isEmpty()) {
                return level;
            }
        }
        return -1;
    }

    /** The paged-out messages of {@code level}, made on first use. */
    private PagedRange pagedAt(int level) {
        PagedRange paged = pagedLevels[level];
        if (paged == null) {
            paged = new PagedRange();
            pagedLevels[level] = paged;
            highestPagedLevelMade = Math.max(highestPagedLevelMade, level);
        }
        return paged;
    }

    /**
     * The priority level of a record, read from its envelope only for a queue with priorities.
     *
     * @throws IOException if the envelope cannot be read
     */
    private int levelOfRecord(Record record) throws IOException {
        return topLevel == 0 ? 0 : MessagePriority.levelOf(MessageRecordCodec.priority(record), topLevel);
    }

    /** Whether the record at a paged-out offset is one of {@code level}'s (pages of one level span others' offsets). */
    private boolean isOfLevel(Record record, int level) {
        if (topLevel == 0) {
            return true;
        }
        try {
            return levelOfRecord(record) == level;
        } catch (IOException e) {
            return false; // undecodable: whose it was is unknown; the page's count says it is lost
        }
    }

    /**
     * Reads paged-out messages of {@code level} back into memory, in order, until memory is full
     * again. {@code aboveMemory}: every message in memory is of a lower level, so only what this
     * reads counts against the limits (and the whole memory against twice the limits).
     */
    private void pageIn(int level, boolean aboveMemory) {
        endOfDrain(); // the head page may still be in this drain's batch
        PagedRange paged = pagedLevels[level];
        int baseCount = aboveMemory ? ready.readyCount() : 0;
        long baseBytes = aboveMemory ? ready.readyBytes() : 0;
        int loaded = 0;
        try {
            while (!paged.isEmpty() && (loaded == 0 || !memoryFull(baseCount, baseBytes))) {
                PagedRange.Page page = paged.head();
                boolean memoryFull = false;
                try (RecordCursor cursor = new RecordCursor(log, page.first(), page.end(), pageInReadBytes,
                        (first, last, why) -> lostPaged(paged, page, first, last, why))) {
                    while (paged.head() == page) {
                        // Checked before the next read, not after: a record read only to be left paged
                        // out would be read again by the next page-in, twice the disk reads and, for a
                        // large message, a second copy of its body for nothing.
                        if (loaded > 0 && memoryFull(baseCount, baseBytes)) {
                            memoryFull = true;
                            break;
                        }
                        Record record = cursor.next();
                        if (record == null) {
                            break;
                        }
                        long offset = record.offset();
                        if (settled.isSettled(offset) || returns.isWaiting(offset) || !isOfLevel(record, level)) {
                            paged.skipped(page, offset);
                            continue;
                        }
                        QueuedMessage message;
                        try {
                            message = decodeRecord(record);
                        } catch (IOException e) {
                            lostPaged(paged, page, offset, offset, e.getMessage());
                            continue;
                        }
                        paged.pagedIn(page, offset, bodySize(record));
                        ready.insert(message);
                        pagedInListener.accept(message);
                        loaded++;
                    }
                }
                if (memoryFull) {
                    break;
                }
                if (paged.head() == page) {
                    // Read to its end and it still counts messages: their records are gone, somewhere in
                    // the page (its first offset not yet paged in has passed them by now).
                    int lost = paged.dropHead();
                    observer.lost(page.start(), page.end() - 1, lost);
                    LOG.error("{}: {} paged-out messages below offset {} are not in the log any more; they are lost",
                            description, lost, page.end());
                }
            }
            readFailures = 0;
        } catch (LogException e) {
            // The log cannot be read now (closed while it is reopened, or failing): the messages
            // stay paged out and the next delivery attempt tries again.
            if (readFailures++ == 0) {
                LOG.error("{}: reading paged-out messages failed; {} stay paged out and are tried again: {}",
                        description, pagedCount(), e.getMessage());
            }
        }
    }

    private boolean memoryFull(int baseCount, long baseBytes) {
        int count = ready.readyCount();
        long bytes = ready.readyBytes();
        return limits.full(count - baseCount, bytes - baseBytes, 0)
                || (baseCount > 0 && limits.full(count / 2, bytes / 2, 0));
    }

    /**
     * Offsets of a page without a readable record: each unsettled one was a paged-out message, now
     * lost. They are settled and leave the page.
     */
    private void lostPaged(PagedRange paged, PagedRange.Page page, long first, long last, String why) {
        if (topLevel > 0) {
            // A page of one level spans other levels' offsets, some of them in memory or delivered:
            // which unreadable offsets were this level's is unknown, so none is settled here. The
            // page's count finds them lost when it has been read (the restart's recovery settles them).
            LOG.error("{}: paged-out messages at offsets {}..{} of {} cannot be read ({})",
                    description, first, last, segmentFile(first), why);
            return;
        }
        int lost = 0;
        for (long offset = Math.max(first, page.first()); offset <= last && offset < page.end() && page.count() > 0;
                offset++) {
            if (settled.isSettled(offset) || returns.isWaiting(offset)) {
                continue;
            }
            settleOffset(offset);
            paged.lost(page);
            lost++;
        }
        observer.lost(first, last, lost);
        if (lost > 0) {
            LOG.error("{}: {} paged-out messages at offsets {}..{} of {} cannot be read ({}); they are lost",
                    description, lost, first, last, segmentFile(first), why);
        }
    }

    /**
     * A returned message goes back in its place. A message recovered while it waited out a retry
     * delay can lie among the paged-out ones: it goes back among them, and comes back into memory
     * (as a new object, so the queue forgets this one) when its page is read.
     */
    @Override
    public void returnToReady(QueuedMessage message) {
        if (durable && message.returnCount() > 0 && hasRecord(message) && returns.retryDone(message.logOffset())) {
            checkpointDue = true;
        }
        PagedRange paged = pagedLevels[ready.levelOf(message)];
        if (paged != null && !paged.isEmpty() && hasRecord(message) && message.logOffset() >= paged.head().first()) {
            paged.putBack(message.logOffset(), message.message().bodySize(), message.expiresAt());
            evictedListener.accept(message);
            message.message().messageBody().release(); // on disk only again, as written paged messages
            return;
        }
        ready.returnToReady(message);
    }

    @Override
    public boolean removeReady(QueuedMessage message) {
        if (isPending(message)) {
            endOfDrain(); // written before it leaves
        }
        return ready.removeReady(message);
    }

    @Override
    public long nextPagedExpiry() {
        long earliest = Long.MAX_VALUE;
        for (int level = 0; level <= highestPagedLevelMade; level++) {
            PagedRange paged = pagedLevels[level];
            if (paged != null) {
                earliest = Math.min(earliest, paged.nextExpiry());
            }
        }
        return earliest;
    }

    /** Reads each page whose earliest expiry has passed and removes its expired messages. */
    @Override
    public void expirePaged(long now, Consumer<Message> expired) {
        if (nextPagedExpiry() > now) {
            return;
        }
        endOfDrain();
        // Highest level first: the order in which they would have been delivered.
        for (int level = highestPagedLevelMade; level >= 0; level--) {
            PagedRange paged = pagedLevels[level];
            if (paged != null && paged.nextExpiry() <= now) {
                expirePaged(paged, level, now, expired);
            }
        }
    }

    private void expirePaged(PagedRange paged, int level, long now, Consumer<Message> expired) {
        try {
            for (PagedRange.Page page : paged.pagesExpiringBy(now)) {
                long earliestLeft = Long.MAX_VALUE;
                try (RecordCursor cursor = new RecordCursor(log, page.first(), page.end(), READ_BYTES,
                        (first, last, why) -> lostPaged(paged, page, first, last, why))) {
                    Record record;
                    while (page.count() > 0 && (record = cursor.next()) != null) {
                        long offset = record.offset();
                        if (settled.isSettled(offset) || returns.isWaiting(offset) || !isOfLevel(record, level)) {
                            continue;
                        }
                        Message message;
                        try {
                            long expiresAt = MessageRecordCodec.summarize(record).expiresAt();
                            if (expiresAt > now) {
                                earliestLeft = Math.min(earliestLeft, expiresAt);
                                continue;
                            }
                            message = MessageRecordCodec.decode(record).message();
                        } catch (IOException e) {
                            lostPaged(paged, page, offset, offset, e.getMessage());
                            continue;
                        }
                        settleOffset(offset);
                        paged.remove(page, bodySize(record));
                        expired.accept(message);
                    }
                }
                if (page.count() > 0) {
                    paged.expiryScanned(page, earliestLeft);
                }
            }
        } catch (LogException e) {
            LOG.error("{}: reading paged-out messages to expire them failed: {}", description, e.getMessage());
        }
    }

    @Override
    public void settle(QueuedMessage message) {
        assert !isPending(message) : "settled before its record was written: " + message.logOffset();
        if (!withdrawnSequences.isEmpty()) {
            withdrawnSequences.remove(message.sequence()); // it was delivered before its fsync failed
        }
        if (hasRecord(message)) {
            settled.settle(message.logOffset());
            checkpointDue = true;
            // Only a message that came back has a state to drop: no map lookup on the common ack.
            if (message.returnCount() > 0) {
                returns.settled(message.logOffset());
            }
        }
    }

    /** Settles a paged-out message by offset (expired or purged where it lies). */
    private void settleOffset(long offset) {
        settled.settle(offset);
        returns.settled(offset);
        checkpointDue = true;
    }

    /**
     * A durable queue keeps the return counts of its persistent messages across restarts
     * (checkpointed), and when a message waiting out a retry delay is due.
     */
    @Override
    public void returned(QueuedMessage message) {
        if (hasRecord(message) && keeps(message.message())) {
            returns.returned(message.logOffset(), message.returnCount(), message.retryDueAt());
            checkpointDue = true;
        }
    }

    @Override
    public int purgeReady() {
        endOfDrain(); // a purged message's record is written first, so settling it is final
        int purged = 0;
        QueuedMessage message;
        while ((message = ready.pollReady()) != null) {
            settle(message);
            message.message().messageBody().release(); // the queue's
            purged++;
        }
        if (topLevel == 0) {
            PagedRange paged = pagedLevels[0];
            for (PagedRange.Page page : paged.pages()) {
                for (long offset = page.first(); offset < page.end(); offset++) {
                    if (!settled.isSettled(offset) && !returns.isWaiting(offset)) {
                        settleOffset(offset);
                        purged++;
                    }
                }
            }
            paged.clear();
            return purged;
        }
        for (int level = 0; level <= highestPagedLevelMade; level++) {
            PagedRange paged = pagedLevels[level];
            if (paged != null && !paged.isEmpty()) {
                purged += purgePagedLevel(paged, level);
            }
        }
        return purged;
    }

    /**
     * Settles the paged-out messages of one priority level. Its pages span other levels' offsets,
     * which may belong to messages in memory or delivered, so the records are read to tell whose
     * each offset is.
     */
    private int purgePagedLevel(PagedRange paged, int level) {
        int purged = 0;
        try {
            for (PagedRange.Page page : paged.pages()) {
                try (RecordCursor cursor = new RecordCursor(log, page.first(), page.end(), READ_BYTES,
                        (first, last, why) -> lostPaged(paged, page, first, last, why))) {
                    Record record;
                    while ((record = cursor.next()) != null) {
                        long offset = record.offset();
                        if (!settled.isSettled(offset) && !returns.isWaiting(offset) && isOfLevel(record, level)) {
                            settleOffset(offset);
                            purged++;
                        }
                    }
                }
            }
        } catch (LogException e) {
            LOG.error("{}: reading paged-out messages to purge them failed; those not read come back after a restart: {}",
                    description, e.getMessage());
        }
        paged.clear();
        return purged;
    }

    @Override
    public int readyCount() {
        return ready.readyCount() + (int) pagedCount();
    }

    @Override
    public long readyBytes() {
        long bytes = ready.readyBytes();
        for (int level = 0; level <= highestPagedLevelMade; level++) {
            PagedRange paged = pagedLevels[level];
            if (paged != null) {
                bytes += paged.bytes();
            }
        }
        return bytes;
    }

    /** Backed up at three quarters of the memory limits (or when paging), clear again at half. */
    @Override
    public boolean isBackedUp(boolean wasBackedUp) {
        if (highestPagedLevel() >= 0) {
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
        long count = 0;
        for (int level = 0; level <= highestPagedLevelMade; level++) {
            PagedRange paged = pagedLevels[level];
            if (paged != null) {
                count += paged.count();
            }
        }
        return count;
    }

    /** Pages the paged-out messages take (for tests and diagnostics). */
    int pageCount() {
        int pages = 0;
        for (int level = 0; level <= highestPagedLevelMade; level++) {
            PagedRange paged = pagedLevels[level];
            if (paged != null) {
                pages += paged.pages().size();
            }
        }
        return pages;
    }

    // ---- housekeeping

    /**
     * Writes what is pending; reopens the log if it refuses writes (after a failed fsync, or a
     * failed write under a log that gives up after one); then deletes segments below the last
     * checkpointed low-water mark and, if anything was settled or delivered since the last
     * snapshot, hands a new snapshot to the checkpoint writer.
     */
    @Override
    public void maintain() {
        if (closed) {
            return;
        }
        endOfDrain();
        // A failed fsync reaches the store through the futures of persistent messages; one that
        // covered only paged transient records (whose confirms do not wait for it) shows only here.
        if (log != null && (reopenNeeded || log.hasFailed() || (appendFailedSinceMaintain && logRefusesWrites()))) {
            reopenLog();
        }
        appendFailedSinceMaintain = false;
        if (!durable) {
            releaseSettledSpill();
            return;
        }
        if (journal != null) {
            advanceIdsDurable();
        }
        if (!log.isClosed()) {
            deleteSettledSegments();
        }
        if (journal != null && window != null) {
            journal.deleteBelow(window.oldestJournalOffset(journal.endOffset()));
        }
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

    /**
     * Whether the log refuses appends for good (until reopened). A flush asks it without writing
     * anything new: it fsyncs what is written, or throws if the log has given up.
     */
    private boolean logRefusesWrites() {
        try {
            log.flush();
            return false;
        } catch (LogException e) {
            return true;
        }
    }

    /**
     * Closes the log and opens it again, which re-validates it from disk. What the reopened log
     * holds beyond the end the store knew belongs to nacked messages: settled. If it ends below,
     * the offsets beyond its end are forgotten (new records will reuse them), and for a durable
     * queue a checkpoint saying so is on disk before any new record is appended.
     */
    private void reopenLog() {
        long endBefore = log.logEndOffset();
        try {
            log.close();
        } catch (RuntimeException e) {
            LOG.debug("{}: closing the failed log: {}", description, e.toString());
        }
        settleFailedSyncs(); // the close failed whatever was still waiting for an fsync
        Log reopened;
        try {
            reopened = Log.open(directory, config, flusher, files);
        } catch (RuntimeException e) {
            LOG.error("{}: reopening the log failed; messages written to it are nacked until it opens: {}",
                    description, e.getMessage());
            return;
        }
        long end = reopened.logEndOffset();
        if (end > endBefore) {
            settled.settleRun(endBefore, end - endBefore);
            checkpointDue = true;
        } else if (end < endBefore) {
            forgetFrom(end, endBefore);
        }
        // Also when an earlier attempt cut the log and failed at this checkpoint: that attempt's
        // close left the failed log as short as the reopened one, so nothing looks cut now.
        if (cutNotCheckpointed && !writeCheckpointNow()) {
            try {
                reopened.close();
            } catch (RuntimeException e) {
                // Under the same fault as the checkpoint: this log is opened afresh next time anyway.
                LOG.debug("{}: closing the reopened log: {}", description, e.toString());
            }
            return; // tried again at the next maintenance
        }
        log = reopened;
        reopenNeeded = false;
        LOG.warn("{}: log reopened after a failed write; it ends at offset {} (was {}), new messages are written again",
                description, end, endBefore);
    }

    /** The log was cut back to {@code end}: forget every offset from there, as if never written. */
    private void forgetFrom(long end, long endBefore) {
        settled.forgetFrom(end);
        deliveredHighWater = Math.min(deliveredHighWater, end);
        returns.forgetFrom(end);
        recoveredEnd = Math.min(recoveredEnd, end);
        segmentsDeletedBelow = Math.min(segmentsDeletedBelow, end);
        checkpointedLowWater = Math.min(checkpointedLowWater, end);
        forgotten.add(new ForgottenRange(end, endBefore, highestSequenceWritten + 1));
        cutNotCheckpointed = durable;
        long lost = 0;
        for (int level = 0; level <= highestPagedLevelMade; level++) {
            PagedRange paged = pagedLevels[level];
            if (paged != null) {
                lost += paged.truncate(end);
            }
        }
        observer.lost(end, endBefore - 1, lost);
        LOG.error("{}: the reopened log ends at offset {}, below {}: the records between are gone ({} paged-out "
                + "messages lost with them)", description, end, endBefore, lost);
        checkpointDue = true;
    }

    /** Writes the current state as both checkpoint files, on this thread; false if that failed. */
    private boolean writeCheckpointNow() {
        AckCheckpoint snapshot = snapshot();
        synchronized (checkpointFiles) {
            long sequence = ++snapshotsTaken;
            try {
                writeCheckpointFile(snapshot);
                // Durable from here: an older snapshot still queued must be dropped even if the
                // second write fails, or it would land after this one and settle less.
                snapshotsWritten = sequence;
                writeCheckpointFile(snapshot);
                checkpointedLowWater = snapshot.lowWater();
                checkpointDue = false;
                cutNotCheckpointed = false;
                return true;
            } catch (IOException e) {
                LOG.error("{}: writing the ack checkpoint after a reopen failed: {}", description, e.toString());
                return false;
            }
        }
    }

    /** Writes {@code checkpoint} as the current one, durably, on the log's file system. */
    private void writeCheckpointFile(AckCheckpoint checkpoint) throws IOException {
        checkpoint.write(fileSystem, directory);
        observer.checkpointWritten(checkpoint);
    }

    private AckCheckpoint snapshot() {
        assert pendingRecords.isEmpty() : "snapshot with records not yet appended";
        long lowWater = settled.lowWater();
        return returns.checkpoint(lowWater, Math.max(deliveredHighWater, lowWater), settled.runsAboveLowWater());
    }

    /** Runs on the checkpoint writer; a snapshot older than one already written, or after release, is dropped. */
    private void writeCheckpoint(AckCheckpoint snapshot, long sequence) {
        synchronized (checkpointFiles) {
            if (filesReleased || sequence <= snapshotsWritten) {
                return;
            }
            try {
                writeCheckpointFile(snapshot);
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
        if (log == null || log.isClosed()) {
            return;
        }
        long lowWater = settled.lowWater();
        if (highestPagedLevel() < 0 && lowWater == log.logEndOffset()) {
            try {
                log.close();
            } catch (LogStorageException e) {
                // Its final fsync failed, but every record in it is settled and the files go next:
                // nothing is lost, and the queue must not fail over a log it is throwing away.
                LOG.debug("{}: closing the drained spill log: {}", description, e.getMessage());
            }
            log = null;
            StorageFiles.deleteRecursively(fileSystem, directory);
            LOG.debug("{}: paging ended, spill log removed", description);
        } else if (lowWater > segmentsDeletedBelow) {
            log.deleteSegmentsBelow(lowWater);
            segmentsDeletedBelow = lowWater;
        }
    }

    /**
     * Deletes the segments below the checkpointed low-water mark. When everything is settled that
     * mark is the log's end, and the log gives back its active segment too.
     */
    private void deleteSettledSegments() {
        long below = Math.min(Math.min(checkpointedLowWater, log.logEndOffset()), idsDurableBelow);
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
        try {
            closeStore();
        } finally {
            memoryShare.release();
        }
    }

    private void closeStore() {
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
                writeCheckpointFile(last);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: the final ack checkpoint failed; acks since the last one may be redelivered", description, e);
        } finally {
            closed = true;
            log.close();
            closeJournal();
        }
    }

    /**
     * Moves {@link #idsDurableBelow} on as the flusher fsyncs the journal (every 500 ms), and takes
     * new marks. Not while journal writes fail (their ids are still pending) or after a failed
     * fsync: then the log keeps its segments, and a restart reads the ids back from them.
     */
    private void advanceIdsDurable() {
        journal.write();
        if (journal.hasPending() || journal.hasFailed()) {
            return;
        }
        boolean markReached = journal.durableEndOffset() >= journalMark;
        if (journalMark >= 0 && markReached) {
            idsDurableBelow = messageMark;
        }
        if (journalMark < 0 || markReached) {
            journalMark = journal.endOffset();
            messageMark = log.logEndOffset();
        }
    }

    private void closeJournal() {
        if (journal != null) {
            try {
                journal.close();
            } catch (RuntimeException e) {
                LOG.warn("{}: closing the deduplication journal failed: {}", description, e.toString());
            }
        }
    }

    private void closeSpillLog() {
        pendingRecords.clear();
        pendingMessages.clear();
        pendingConfirms.clear();
        pendingPaged.clear();
        if (log != null) {
            try {
                log.close();
            } catch (RuntimeException e) {
                LOG.warn("{}: closing the spill log failed: {}", description, e.toString());
            }
            log = null;
        }
        StorageFiles.deleteRecursively(fileSystem, directory);
    }

    /** The queue is gone: its files go too. Messages collected in this drain count as accepted (RabbitMQ does so). */
    @Override
    public void deleted() {
        if (closed) {
            return;
        }
        closed = true;
        memoryShare.release();
        pendingConfirms.forEach(confirm -> {
            if (confirm != null) {
                confirm.queueAccepted();
            }
        });
        duplicateConfirms.forEach(PublishConfirm::queueAccepted);
        duplicateConfirms.clear();
        pendingRecords.clear();
        pendingMessages.clear();
        pendingConfirms.clear();
        pendingPaged.clear();
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
        closeJournal();
        StorageFiles.deleteRecursively(fileSystem, directory);
    }

    /** The log's directory (for tests and diagnostics). */
    public Path directory() {
        return directory;
    }

    /** The log in use now (null for a spill log not opened yet); for tests that simulate a crash. */
    Log currentLog() {
        return log;
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

    /** Offsets of the log not settled yet, waiting or not; 0 without a log (for tests). */
    long unsettledInLog() {
        if (log == null || log.isClosed()) {
            return 0;
        }
        long unsettled = 0;
        for (long offset = settled.lowWater(); offset < log.logEndOffset(); offset++) {
            if (!settled.isSettled(offset)) {
                unsettled++;
            }
        }
        return unsettled;
    }

    @Override
    public String toString() {
        return "LogMessageStore[" + description + "]";
    }
}
