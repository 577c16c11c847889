package dev.ferry.store;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.log.AppendResult;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.Log;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.text.LosslessUtf8;

/**
 * The durable half of a deduplicating queue's window ({@code x-message-deduplication}): a log of
 * its own, {@code deduplication/} in the queue's directory, with one record per id the queue
 * admitted for a message it keeps across restarts, and one per id it had to take back.
 *
 * <p>Record layout (a Kafka v2 record in the log's batches; one batch per drain):
 * <pre>
 *   timestamp  the admission time (ms), the queue's clock
 *   key        the id, UTF-8 ({@code LosslessUtf8})
 *   value      0                   1                   2 ...               9
 *              +-------------------+-------------------+-------------------+
 *              | version (1)       | kind              | message offset    |
 *              +-------------------+-------------------+-------------------+
 *              kind 1 = ADMITTED: the id came with the message at that offset of the queue's log
 *              kind 2 = FORGOTTEN: the id's message is not in the queue's log (offset unused, -1)
 * </pre>
 * Records are data only (no clock reading at replay, no reference to memory): replaying them in
 * order rebuilds the window, which is what a replicated queue will do with them too.
 *
 * <p>Design note: a separate log rather than the id in the message's own record, because the
 * window must outlive its messages: a message consumed and acked is settled and its segment
 * deleted, yet its id stays in the window for up to {@code x-cache-size} ids or
 * {@code x-cache-ttl} ms. This log keeps a few dozen bytes per id instead of whole bodies, and
 * its segments are deleted once every id in them has left the window. The two logs are fsynced
 * by the same flusher; a message's confirm waits for both records. At open, an ADMITTED record
 * whose message offset is at or beyond the queue log's end (the id's fsync made it, the
 * message's did not, so its publisher was never confirmed) is taken back with a FORGOTTEN record,
 * made durable before the queue runs, so a resend of that message is stored.
 *
 * <p>Thread safety: none; the queue's owner thread (and the opening thread before it).
 */
final class DeduplicationJournal {
    private static final Logger LOG = LoggerFactory.getLogger(DeduplicationJournal.class);

    static final String DIRECTORY = "deduplication";
    private static final byte VERSION = 1;
    private static final byte ADMITTED = 1;
    private static final byte FORGOTTEN = 2;
    private static final int VALUE_BYTES = 10;
    private static final int SEGMENT_BYTES_MAX = 1024 * 1024;
    // A record's bytes beyond its key and value, at most (length, attributes, deltas, header count).
    private static final int RECORD_OVERHEAD_BYTES = 32;
    private static final int READ_BYTES = 1024 * 1024;

    /** An id read back at open, for the window; in journal order. */
    record Entry(String id, long admittedAtMs, long journalOffset) {
    }

    private Log log;
    private final Path queueDirectory;
    private final LogConfig config;
    private final LogFlusher flusher;
    private final FileHandleCache files;
    private final String description;
    private final List<SimpleRecord> pending = new ArrayList<>();
    private final List<String> pendingIds = new ArrayList<>();
    private long deletedBelow;
    // Half the largest batch: a write is cut into appends of about this size.
    private final int appendBytes;

    private DeduplicationJournal(Path queueDirectory, LogConfig config, LogFlusher flusher, FileHandleCache files,
                                 String description) {
        this.queueDirectory = queueDirectory;
        this.config = config;
        this.flusher = flusher;
        this.files = files;
        this.description = description;
        this.appendBytes = config.batchBytesMax() / 2;
        this.log = Log.open(queueDirectory.resolve(DIRECTORY), config, flusher, files);
        this.deletedBelow = log.logStartOffset();
    }

    /** Opens (creating if needed) the journal of the queue in {@code queueDirectory}, fsynced as {@code queueConfig} says. */
    static DeduplicationJournal open(Path queueDirectory, LogConfig queueConfig, LogFlusher flusher, FileHandleCache files,
                                     String description) {
        // Ids are small: segments of at most 1 MiB, so that ids leaving the window free their disk soon.
        int segmentBytes = Math.min(SEGMENT_BYTES_MAX, queueConfig.segmentBytesMax());
        LogConfig config = new LogConfig()
                .segmentBytesMax(segmentBytes)
                .batchBytesMax(segmentBytes)
                .fsyncPolicy(queueConfig.fsyncPolicy())
                .flushIntervalMs(queueConfig.flushIntervalMs())
                .segmentDeleteDelayMs(0);
        return new DeduplicationJournal(queueDirectory, config, flusher, files, description);
    }

    /**
     * Replays the journal: the ids admitted and not taken back, oldest first (an id admitted twice
     * counts at its newest place). Ids whose message lies at or beyond {@code messageLogEnd} are
     * taken back, durably, before this returns.
     */
    List<Entry> recover(long messageLogEnd) {
        Map<String, Entry> admitted = new LinkedHashMap<>();
        List<String> lostIds = new ArrayList<>();
        RecordCursor cursor = new RecordCursor(log, log.logStartOffset(), log.logEndOffset(), READ_BYTES,
                (first, last, why) -> LOG.error("{}: deduplication ids at offsets {}..{} of its journal are lost ({});"
                        + " a resend of their messages is stored again", description, first, last, why));
        Record record;
        int unreadable = 0;
        while ((record = cursor.next()) != null) {
            ByteBuffer value = record.value();
            if (!record.hasKey() || value == null || value.remaining() != VALUE_BYTES || value.get(0) != VERSION) {
                unreadable++;
                continue;
            }
            byte[] key = new byte[record.keySize()];
            record.key().get(key);
            String id = LosslessUtf8.decode(key);
            admitted.remove(id);
            if (value.get(1) == ADMITTED) {
                if (value.getLong(2) >= messageLogEnd) {
                    lostIds.add(id);
                } else {
                    admitted.put(id, new Entry(id, record.timestamp(), record.offset()));
                }
            }
        }
        if (unreadable > 0) {
            LOG.error("{}: {} records of its deduplication journal do not decode; skipped", description, unreadable);
        }
        if (!lostIds.isEmpty()) {
            for (String id : lostIds) {
                pending.add(record(id, System.currentTimeMillis(), FORGOTTEN, -1));
            }
            pendingIds.clear();
            write().join();
            LOG.warn("{}: {} deduplication ids whose messages a crash took back are forgotten", description,
                    lostIds.size());
        }
        return new ArrayList<>(admitted.values());
    }

    /** Adds an ADMITTED record to the next write; returns its offset in the journal. */
    long add(String id, long admittedAtMs, long messageOffset) {
        long offset = log.logEndOffset() + pending.size();
        pending.add(record(id, admittedAtMs, ADMITTED, messageOffset));
        pendingIds.add(id);
        return offset;
    }

    /**
     * Adds a FORGOTTEN record to the next write: the id's message was nacked after all (its fsync
     * failed), so a restart must not bring the id back.
     */
    void forget(String id) {
        pending.add(record(id, System.currentTimeMillis(), FORGOTTEN, -1));
    }

    /** Whether a failed fsync left the log refusing writes: {@link #reopen} it. */
    boolean hasFailed() {
        return log.hasFailed();
    }

    /** Closes and opens the log again (which cuts the records whose fsync failed) so it takes writes again. */
    void reopen() {
        try {
            log.close();
        } catch (RuntimeException e) {
            LOG.warn("{}: closing the failed deduplication journal: {}", description, e.toString());
        }
        log = Log.open(queueDirectory.resolve(DIRECTORY), config, flusher, files);
        deletedBelow = log.logStartOffset();
        LOG.info("{}: deduplication journal reopened after a failed write", description);
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** The ids of the records not written yet (a failed write takes them back). */
    List<String> pendingIds() {
        return pendingIds;
    }

    /**
     * Appends what is pending; the future completes when it is durable (as the log's fsync policy
     * says) and completes after every earlier write's. Pending records are gone either way.
     *
     * @throws RuntimeException if the log refused the write: none of it counts
     */
    CompletableFuture<AppendResult> write() {
        try {
            CompletableFuture<AppendResult> last = null;
            int from = 0;
            while (from < pending.size()) {
                int to = from;
                long bytes = 0;
                while (to < pending.size() && (to == from || bytes + bytes(pending.get(to)) <= appendBytes)) {
                    bytes += bytes(pending.get(to));
                    to++;
                }
                last = log.append(pending.subList(from, to));
                from = to;
            }
            return last;
        } finally {
            pending.clear();
            pendingIds.clear();
        }
    }

    /** Deletes the segments wholly below {@code offset} (ids that left the window). */
    void deleteBelow(long offset) {
        long below = Math.min(offset, log.logEndOffset());
        if (below > deletedBelow) {
            log.deleteSegmentsBelow(below);
            deletedBelow = below;
        }
    }

    long endOffset() {
        return log.logEndOffset();
    }

    void close() {
        log.close();
    }

    private static long bytes(SimpleRecord record) {
        return RECORD_OVERHEAD_BYTES + record.key().remaining() + VALUE_BYTES;
    }

    private static SimpleRecord record(String id, long atMs, byte kind, long messageOffset) {
        ByteBuffer value = ByteBuffer.allocate(VALUE_BYTES).put(VERSION).put(kind).putLong(messageOffset);
        return new SimpleRecord(atMs, LosslessUtf8.encode(id), value.array());
    }
}
