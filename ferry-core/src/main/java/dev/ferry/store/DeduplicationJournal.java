package dev.ferry.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;

import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
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
 *              kind 2 = FORGOTTEN: the id's message was taken back (its offset, or -1 if unknown)
 * </pre>
 * Records are data only (no clock reading at replay, no reference to memory): replaying them in
 * order rebuilds the window, which is what a replicated queue will do with them too.
 *
 * <p>Design note: a separate log rather than the id in the message's own record, because the
 * window must outlive its messages: a message consumed and acked is settled and its segment
 * deleted, yet its id stays in the window for up to {@code x-cache-size} ids or
 * {@code x-cache-ttl} ms. This log keeps a few dozen bytes per id instead of whole bodies, and
 * its segments are deleted once every id in them has left the window.
 *
 * <p>Design note on durability: the journal is written with every drain but not fsynced on the
 * message path, so a confirm costs one fsync, the message log's, as without deduplication. That is
 * safe because the id is also in the message's own record (its header or message-id), fsynced
 * before the confirm: the journal only has to be durable before the queue's log deletes a segment
 * holding records it has not covered. The shared flusher fsyncs it every 500 ms (never on the
 * queue's thread); the store deletes its log's segments only below the records whose ids the
 * journal's durable end covers, and the journal is fsynced at close. At open, the ids of records after the last one the journal names are
 * read back from the queue's log ({@code LogMessageStore}). An ADMITTED record whose message
 * offset is at or beyond the queue log's end (the journal's write reached the disk, the message's
 * did not, so its publisher was never confirmed) is taken back with a FORGOTTEN record, fsynced
 * before the queue runs, so a resend of that message is stored.
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
    private static final long FLUSH_INTERVAL_MS = 500;

    /** An id read back at open, for the window; in journal order. */
    record Entry(String id, long admittedAtMs, long journalOffset) {
    }

    /**
     * What {@link #recover} read: the ids, the highest message offset the journal covers (-1 for
     * none: read every record of the queue's log), and the message offsets whose ids were taken back.
     */
    record Recovered(List<Entry> entries, long lastMessageOffset, Set<Long> forgottenMessageOffsets) {
    }

    private final Log log;
    private final String description;
    private final List<SimpleRecord> pending = new ArrayList<>();
    private long deletedBelow;
    private boolean unflushed; // written since the last flush()
    private boolean writeFailing; // for one WARN per run of failed writes
    // Half the largest batch: a write is cut into appends of about this size.
    private final int appendBytes;

    private DeduplicationJournal(Path queueDirectory, LogConfig config, LogFlusher flusher, FileHandleCache files,
                                 String description) {
        this.description = description;
        this.appendBytes = config.batchBytesMax() / 2;
        this.log = Log.open(queueDirectory.resolve(DIRECTORY), config, flusher, files);
        this.deletedBelow = log.logStartOffset();
    }

    /** Opens (creating if needed) the journal of the queue in {@code queueDirectory}; segments as {@code queueConfig}'s, at most 1 MiB. */
    static DeduplicationJournal open(Path queueDirectory, LogConfig queueConfig, LogFlusher flusher, FileHandleCache files,
                                     String description) {
        // Ids are small: segments of at most 1 MiB, so that ids leaving the window free their disk soon.
        int segmentBytes = Math.min(SEGMENT_BYTES_MAX, queueConfig.segmentBytesMax());
        LogConfig config = new LogConfig()
                .segmentBytesMax(segmentBytes)
                .batchBytesMax(segmentBytes)
                .fsyncPolicy(FsyncPolicy.INTERVAL) // by the flusher thread, off the message path: see the design note
                .flushIntervalMs(FLUSH_INTERVAL_MS)
                .segmentDeleteDelayMs(0);
        return new DeduplicationJournal(queueDirectory, config, flusher, files, description);
    }

    /**
     * Replays the journal: the ids admitted and not taken back, oldest first (an id admitted twice
     * counts at its newest place). Ids whose message lies at or beyond {@code messageLogEnd} are
     * taken back, durably, before this returns.
     */
    Recovered recover(long messageLogEnd) {
        Map<String, Entry> admitted = new LinkedHashMap<>();
        List<String> lostIds = new ArrayList<>();
        Set<Long> forgottenOffsets = new HashSet<>();
        long lastMessageOffset = -1;
        int unreadable = 0;
        try (RecordCursor cursor = new RecordCursor(log, log.logStartOffset(), log.logEndOffset(), READ_BYTES,
                (first, last, why) -> LOG.error("{}: deduplication ids at offsets {}..{} of its journal are lost ({});"
                        + " a resend of their messages is stored again", description, first, last, why))) {
            Record record;
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
                long messageOffset = value.getLong(2);
                if (value.get(1) == ADMITTED) {
                    if (messageOffset >= messageLogEnd) {
                        lostIds.add(id);
                    } else {
                        admitted.put(id, new Entry(id, record.timestamp(), record.offset()));
                        lastMessageOffset = Math.max(lastMessageOffset, messageOffset);
                    }
                } else if (messageOffset >= 0 && messageOffset < messageLogEnd) {
                    forgottenOffsets.add(messageOffset);
                    lastMessageOffset = Math.max(lastMessageOffset, messageOffset);
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
            write();
            if (!flush()) {
                throw new UncheckedIOException(new IOException(description + ": its deduplication journal could not be fsynced"));
            }
            LOG.warn("{}: {} deduplication ids whose messages a crash took back are forgotten", description,
                    lostIds.size());
        }
        return new Recovered(new ArrayList<>(admitted.values()), lastMessageOffset, forgottenOffsets);
    }

    /** Adds an ADMITTED record to the next write; returns its offset in the journal. */
    long add(String id, long admittedAtMs, long messageOffset) {
        long offset = log.logEndOffset() + pending.size();
        pending.add(record(id, admittedAtMs, ADMITTED, messageOffset));
        return offset;
    }

    /**
     * Adds a FORGOTTEN record to the next write: the id's message was nacked after all (its fsync
     * failed), so a restart must not bring the id back.
     */
    void forget(String id, long messageOffset) {
        pending.add(record(id, System.currentTimeMillis(), FORGOTTEN, messageOffset));
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /**
     * Writes what is pending (to the file, not fsynced). A write that fails (a full disk) is kept
     * and tried again with the next one; meanwhile {@link #flush} answers false, so the queue's
     * log keeps the records the journal does not cover yet.
     */
    void write() {
        if (pending.isEmpty()) {
            return;
        }
        if (log.hasFailed()) {
            // A failed fsync: the log takes nothing until the broker restarts, and the store keeps
            // every segment of its own log meanwhile, so recovery reads these ids back from there.
            pending.clear();
            return;
        }
        try {
            // One append per half batch limit (normally one), each taken off the pending list once written.
            while (!pending.isEmpty()) {
                int to = 0;
                long bytes = 0;
                while (to < pending.size() && (to == 0 || bytes + bytes(pending.get(to)) <= appendBytes)) {
                    bytes += bytes(pending.get(to));
                    to++;
                }
                log.append(pending.subList(0, to));
                pending.subList(0, to).clear();
                unflushed = true;
            }
            writeFailing = false;
        } catch (RuntimeException e) {
            if (!writeFailing) {
                LOG.warn("{}: writing {} deduplication ids failed, tried again with the next ones: {}", description,
                        pending.size(), e.toString());
                writeFailing = true;
            }
        }
    }

    /** Whether a failed fsync stopped the journal until the broker restarts. */
    boolean hasFailed() {
        return log.hasFailed();
    }

    /** Offsets below this are fsynced. */
    long durableEndOffset() {
        return log.durableEndOffset();
    }

    /**
     * Writes what is pending and fsyncs it on this thread (at open): true once everything the
     * journal was given is durable.
     */
    boolean flush() {
        write();
        if (!pending.isEmpty() || log.hasFailed()) {
            return false;
        }
        if (unflushed) {
            log.flush();
            unflushed = false;
        }
        return true;
    }

    /**
     * Deletes the segments wholly below {@code offset} (ids that left the window), keeping the
     * newest record always: it says how far the journal covers the queue's log.
     */
    void deleteBelow(long offset) {
        long below = Math.min(offset, log.logEndOffset() - 1);
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
