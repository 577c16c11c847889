package dev.ferry.stream;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

/**
 * What one partition remembers of each idempotent producer, so that a batch a producer retried is
 * stored once and a batch that skips ahead is refused: per producer id its epoch and the sequence
 * and offset ranges of its last {@value #BATCHES_KEPT} batches (Kafka's
 * {@code max.in.flight.requests.per.connection} limit for idempotence is the same 5).
 *
 * <p>The rules, as Kafka applies them to a Produce batch with producer id {@code p}, epoch
 * {@code e} and sequences {@code first..last}:
 * <ul>
 *   <li>{@code e} below the epoch stored for {@code p}: {@link ErrorCode#INVALID_PRODUCER_EPOCH}.</li>
 *   <li>{@code e} equal, and {@code first..last} equal to one of the kept batches: a duplicate;
 *       the answer is that batch's offsets and nothing is stored ({@link Check#duplicate()}).</li>
 *   <li>{@code e} equal: {@code first} must follow the last stored sequence (with wrap-around from
 *       {@link Integer#MAX_VALUE} to 0), else {@link ErrorCode#OUT_OF_ORDER_SEQUENCE}.</li>
 *   <li>{@code e} above the stored epoch (a producer that re-initialised): {@code first} must be 0,
 *       else {@link ErrorCode#OUT_OF_ORDER_SEQUENCE}; its kept batches are forgotten.</li>
 *   <li>{@code p} unknown (never seen, or its state went with the segments retention deleted):
 *       any sequence starts it.</li>
 * </ul>
 *
 * <p>{@link #check} decides without changing anything; {@link #record} applies a batch once it is
 * in the log. Recovery replays the log's batch headers through {@link #record} alone. Time comes in
 * as an argument, for {@link #expire}.
 *
 * <p>Not thread-safe: owned by its partition's owner thread.
 */
public final class ProducerStateTable {
    /** How many batches per producer are remembered for duplicate detection. */
    public static final int BATCHES_KEPT = 5;
    /** Kafka's "no producer id": a batch that does not take part in idempotence. */
    public static final long NO_PRODUCER_ID = -1;

    private final Map<Long, ProducerEntry> producers = new HashMap<>();

    /** The outcome of {@link #check}: go ahead and append, or answer with an earlier batch's offsets. */
    public record Check(BatchMetadata duplicate) {
        static final Check APPEND = new Check(null);

        public boolean isDuplicate() {
            return duplicate != null;
        }
    }

    /** One stored batch of a producer: its sequences, its offsets, and its max timestamp. */
    public record BatchMetadata(int firstSequence, int lastSequence, long firstOffset, long lastOffset,
            long maxTimestampMs) {
    }

    /** What the table keeps for one producer id; the batches oldest first. Read-only outside. */
    public static final class ProducerEntry {
        private short epoch;
        private final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(BATCHES_KEPT);
        private long lastUpdateMs;
        /** The offset of the producer's last transaction marker here, or -1. */
        private long markerOffset = -1;
        /** The transaction coordinator's epoch on the producer's last marker written since the partition opened, or -1. */
        private int coordinatorEpoch = -1;

        ProducerEntry(short epoch) {
            this.epoch = epoch;
        }

        public short epoch() {
            return epoch;
        }

        public Collection<BatchMetadata> batches() {
            return Collections.unmodifiableCollection(batches);
        }

        /** The last sequence stored under the current epoch, or -1 if none. */
        public int lastSequence() {
            BatchMetadata last = batches.peekLast();
            return last == null ? -1 : last.lastSequence();
        }

        public long lastOffset() {
            BatchMetadata last = batches.peekLast();
            return Math.max(markerOffset, last == null ? -1 : last.lastOffset());
        }

        public long lastUpdateMs() {
            return lastUpdateMs;
        }

        /**
         * The time DescribeProducers reports, as Kafka keeps it: the largest timestamp of the
         * producer's last batch, or, when a transaction marker came after it, when the marker was written.
         */
        public long lastTimestampMs() {
            BatchMetadata last = batches.peekLast();
            if (last == null || markerOffset > last.lastOffset()) {
                return lastUpdateMs;
            }
            return last.maxTimestampMs();
        }

        /** The coordinator epoch of the last marker written since the partition opened, or -1 (it is not kept on disk). */
        public int coordinatorEpoch() {
            return coordinatorEpoch;
        }
    }

    /**
     * Decides what to do with a producer's batch; changes nothing.
     *
     * @throws BrokerException {@link ErrorCode#INVALID_PRODUCER_EPOCH} or {@link ErrorCode#OUT_OF_ORDER_SEQUENCE}
     */
    public Check check(long producerId, short epoch, int firstSequence, int lastSequence) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            return Check.APPEND;
        }
        if (epoch < entry.epoch) {
            throw new BrokerException(ErrorCode.INVALID_PRODUCER_EPOCH, "producer " + producerId + " epoch " + epoch
                    + " is older than the partition's " + entry.epoch);
        }
        if (epoch > entry.epoch) {
            if (firstSequence != 0) {
                throw new BrokerException(ErrorCode.OUT_OF_ORDER_SEQUENCE, "producer " + producerId + " new epoch "
                        + epoch + " starts at sequence " + firstSequence + ", not 0");
            }
            return Check.APPEND;
        }
        for (BatchMetadata batch : entry.batches) {
            if (batch.firstSequence() == firstSequence && batch.lastSequence() == lastSequence) {
                return new Check(batch);
            }
        }
        int lastStored = entry.lastSequence();
        if (lastStored >= 0 && !follows(lastStored, firstSequence)) {
            throw new BrokerException(ErrorCode.OUT_OF_ORDER_SEQUENCE, "producer " + producerId + " epoch " + epoch
                    + " sent sequence " + firstSequence + " after " + lastStored);
        }
        return Check.APPEND;
    }

    /** Whether {@code next} is the sequence after {@code last}, wrapping after {@link Integer#MAX_VALUE}. */
    static boolean follows(int last, int next) {
        return next == last + 1L || (next == 0 && last == Integer.MAX_VALUE);
    }

    /** The last sequence of a batch starting at {@code firstSequence} with {@code recordCount} records. */
    public static int lastSequence(int firstSequence, int recordCount) {
        long last = (long) firstSequence + recordCount - 1;
        return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
    }

    /**
     * Applies a batch that is now in the log: a newer epoch replaces the producer's state, and the
     * batch joins its kept batches (the oldest dropped beyond {@value #BATCHES_KEPT}). Also used
     * to rebuild the table from the log, where no check is made.
     */
    public void record(long producerId, short epoch, BatchMetadata batch, long nowMs) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            entry = new ProducerEntry(epoch);
            producers.put(producerId, entry);
        } else if (epoch != entry.epoch) {
            entry.epoch = epoch;
            entry.batches.clear();
        }
        if (entry.batches.size() == BATCHES_KEPT) {
            entry.batches.pollFirst();
        }
        entry.batches.addLast(batch);
        entry.lastUpdateMs = nowMs;
    }

    /**
     * A transaction marker of {@code producerId} at {@code epoch} was written: an epoch newer than the
     * producer's becomes its epoch (with no batches kept), so batches of the older epoch (a fenced
     * producer's) are refused from now on.
     */
    public void recordMarker(long producerId, short epoch, long markerOffset, long nowMs) {
        recordMarker(producerId, epoch, markerOffset, nowMs, -1);
    }

    /** As {@link #recordMarker(long, short, long, long)}, remembering the coordinator's epoch (0 or more) on the marker. */
    public void recordMarker(long producerId, short epoch, long markerOffset, long nowMs, int coordinatorEpoch) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null || epoch > entry.epoch) {
            entry = new ProducerEntry(epoch);
            producers.put(producerId, entry);
        }
        entry.markerOffset = Math.max(entry.markerOffset, markerOffset);
        entry.lastUpdateMs = nowMs;
        if (coordinatorEpoch >= 0) {
            entry.coordinatorEpoch = coordinatorEpoch;
        }
    }

    /**
     * Forgets producers whose last batch lies below {@code logStartOffset}: their records are gone,
     * as Kafka forgets them when retention or DeleteRecords removes them.
     *
     * @return how many were forgotten
     */
    public int forgetBelow(long logStartOffset) {
        int removed = 0;
        for (Iterator<ProducerEntry> it = producers.values().iterator(); it.hasNext(); ) {
            if (it.next().lastOffset() < logStartOffset) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    /**
     * Forgets producers that wrote nothing for {@code expirationMs} ({@code producer.id.expiration.ms},
     * one day in Kafka): their next batch starts them afresh.
     */
    public int expire(long nowMs, long expirationMs) {
        int removed = 0;
        for (Iterator<ProducerEntry> it = producers.values().iterator(); it.hasNext(); ) {
            if (nowMs - it.next().lastUpdateMs >= expirationMs) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    /** The state kept for {@code producerId}, or null. */
    public ProducerEntry entry(long producerId) {
        return producers.get(producerId);
    }

    /** The producer ids known, unmodifiable view. */
    public Map<Long, ProducerEntry> entries() {
        return Collections.unmodifiableMap(producers);
    }

    public int size() {
        return producers.size();
    }
}
