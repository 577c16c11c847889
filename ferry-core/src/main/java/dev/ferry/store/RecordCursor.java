package dev.ferry.store;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;

import org.apache.kafka.common.record.internal.Record;

import dev.ferry.log.Log;
import dev.ferry.log.LogClosedException;
import dev.ferry.log.LogOffsetOutOfRangeException;
import dev.ferry.log.LogSlice;
import dev.ferry.log.ReadBuffer;

/**
 * Reads a queue log's records in offset order, for the store's every walk over its log (recovery,
 * paging in, expiring paged messages), and says which offsets it could not give.
 *
 * <p>An offset that has no readable record is <em>lost</em>: its batch fails its checks (a
 * {@code LogCorruptedException} or any other read failure but a closed log), or the log holds no
 * record there (a damaged batch the log skipped at open, covered by an empty batch, or any other
 * gap: a queue's log has a record at every offset it appended). The cursor reports each lost range
 * to its {@link LossListener} once and goes on after it; it never hands out a damaged record and
 * never stops at one. Offsets below the log's start (segments deleted because everything in them
 * was settled) are passed over silently.
 *
 * <p>Finding where readable records resume after a damaged batch: the offsets of one bad batch all
 * fail and the offsets after it read again, so the cursor probes forward at doubling distances
 * until a read succeeds, then bisects back to the first offset that reads.
 *
 * <p>Large batches (large message bodies) are read into one {@link ReadBuffer} off the heap, reused
 * for every read of the walk: a record returned by {@link #next()} is valid until the next call
 * to {@link #next()} or {@link #close()}, so callers decode what they need of it at once. Close
 * the cursor (try-with-resources) to free that buffer.
 *
 * <p>Thread safety: none; one walk on one thread.
 */
final class RecordCursor implements AutoCloseable {
    /** Told of offsets {@code [first, last]} that hold no readable record. */
    @FunctionalInterface
    interface LossListener {
        void lost(long first, long last, String why);
    }

    private final Log log;
    private final long end;
    private final int readBytes;
    private final LossListener onLoss;
    private long position;
    private Iterator<Record> buffered = Collections.emptyIterator();
    private final ReadBuffer readBuffer = new ReadBuffer();

    /**
     * @param from      the first offset to read
     * @param end       one past the last offset to read (at most the log's end)
     * @param readBytes how much to read at a time (at least one batch is always read)
     */
    RecordCursor(Log log, long from, long end, int readBytes, LossListener onLoss) {
        this.log = log;
        this.position = from;
        this.end = Math.min(end, log.logEndOffset());
        this.readBytes = readBytes;
        this.onLoss = onLoss;
    }

    /** The offset the next record is looked for at: one past the last record returned or lost range reported. */
    long position() {
        return position;
    }

    /**
     * The next readable record below the end, or null when there is none.
     *
     * @throws LogClosedException if the log was closed under the cursor
     */
    Record next() {
        while (true) {
            while (buffered.hasNext()) {
                Record record = buffered.next();
                if (record.offset() < position) {
                    continue;
                }
                if (record.offset() >= end) {
                    buffered = Collections.emptyIterator();
                    position = end;
                    return null;
                }
                if (record.offset() > position) {
                    lose(position, record.offset() - 1, "the log holds no record there");
                }
                position = record.offset() + 1;
                return record;
            }
            if (position >= end) {
                return null;
            }
            fill();
        }
    }

    /** Reads from {@link #position}: records into the buffer, or past a range that has none. */
    private void fill() {
        long start = log.logStartOffset();
        if (position < start) {
            position = Math.min(start, end); // deleted segments: everything in them was settled
            return;
        }
        LogSlice slice;
        List<Record> records;
        try {
            slice = log.read(position, readBytes);
            buffered = Collections.emptyIterator(); // the last slice's records may be overwritten now
            records = slice.readRecords(readBuffer);
        } catch (LogClosedException e) {
            throw e;
        } catch (LogOffsetOutOfRangeException e) {
            if (position < log.logStartOffset()) {
                return; // a segment was deleted meanwhile: the next round starts at the new start
            }
            throw e;
        } catch (RuntimeException e) {
            long resume = firstReadableAfter(position);
            lose(position, resume - 1, e.getMessage());
            position = resume;
            return;
        }
        if (!records.isEmpty()) {
            buffered = records.iterator();
            return;
        }
        if (slice.isEmpty()) {
            position = end; // the log ends here
            return;
        }
        // Whole, valid batches without records: offsets the log kept with nothing in them (a
        // damaged batch it replaced at open with an empty one).
        long next = slice.nextOffset();
        if (next <= position) {
            long resume = firstReadableAfter(position);
            lose(position, resume - 1, "no batch holds offset " + position);
            position = resume;
            return;
        }
        long resume = Math.min(next, end);
        lose(position, resume - 1, "the log holds no record there");
        position = resume;
    }

    /** Frees the read buffer: records this cursor returned must not be touched any more. */
    @Override
    public void close() {
        buffered = Collections.emptyIterator();
        readBuffer.close();
    }

    /** The first offset after {@code bad} that reads, or the end: probes at doubling distances, then bisects. */
    private long firstReadableAfter(long bad) {
        long failing = bad;
        long step = 1;
        long readable = end;
        while (failing + step < end) {
            long probe = failing + step;
            if (readable(probe)) {
                readable = probe;
                break;
            }
            failing = probe;
            step *= 2;
        }
        // Invariant: failing does not read, readable does (or is the end).
        while (readable - failing > 1) {
            long middle = failing + (readable - failing) / 2;
            if (readable(middle)) {
                readable = middle;
            } else {
                failing = middle;
            }
        }
        return readable;
    }

    private boolean readable(long offset) {
        try {
            log.read(offset, 1).readRecords();
            return true;
        } catch (LogClosedException e) {
            throw e;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void lose(long first, long last, String why) {
        if (first <= last) {
            onLoss.lost(first, last, why);
        }
    }
}
