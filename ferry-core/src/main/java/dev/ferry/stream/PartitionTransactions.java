package dev.ferry.stream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The transactions a partition takes part in: which producers have an open transaction on it (and
 * the offset of its first batch), and the aborted-transaction index — every aborted transaction's
 * producer id, first offset and marker offset — that a {@code read_committed} Fetch sends with its
 * data so the consumer can drop the aborted records.
 *
 * <p>The last stable offset (LSO) is the first offset of the earliest transaction not yet decided,
 * bounded by the high watermark. A transaction counts as decided once its marker (the control batch)
 * is durable, not when it is written: until then a crash can take the marker back, and a reader must
 * not have seen the transaction's records as committed or been told it was aborted.
 *
 * <p>Threads: {@link #begin}, {@link #end}, {@link #forgetBelow} are the partition owner's. The
 * readers ({@link #lastStableOffset}, {@link #abortedBetween}) may run on any thread: they read an
 * immutable snapshot of the undecided transactions, republished by the owner on each change (once
 * per transaction begin or end, never per record), and a copy-on-write list of aborted ones.
 *
 * <p>Not kept on disk: a partition that has ever held a transactional batch rebuilds this from its
 * batch headers at open (see {@link Partition}), so the index per partition is the log itself.
 */
final class PartitionTransactions {
    private record Undecided(long producerId, long firstOffset, long markerOffset) {
    }

    // Owner-only.
    private final Map<Long, Long> open = new HashMap<>();
    private final List<Undecided> deciding = new ArrayList<>();
    // Published for readers.
    private volatile Undecided[] undecided = new Undecided[0];
    private final CopyOnWriteArrayList<AbortedTransaction> aborted = new CopyOnWriteArrayList<>();

    /** Whether {@code producerId} has a transaction open on the partition. Owner only. */
    boolean isOpen(long producerId) {
        return open.containsKey(producerId);
    }

    /** A transactional batch of {@code producerId} was appended at {@code firstOffset}: opens its transaction here if none is open. */
    void begin(long producerId, long firstOffset) {
        if (open.putIfAbsent(producerId, firstOffset) == null) {
            publish(Long.MIN_VALUE);
        }
    }

    /**
     * A marker of {@code producerId} was appended at {@code markerOffset}. Its transaction stays
     * undecided for readers until the high watermark passes the marker.
     *
     * @param durableEnd the high watermark now, to drop transactions whose markers are durable
     */
    void end(long producerId, long markerOffset, boolean commit, long durableEnd) {
        Long first = open.remove(producerId);
        if (first == null) {
            return; // a marker rewritten after a restart, or for a transaction with no batch here
        }
        if (!commit) {
            aborted.add(new AbortedTransaction(producerId, first, markerOffset));
        }
        deciding.add(new Undecided(producerId, first, markerOffset));
        publish(durableEnd);
    }

    /** Drops what lies wholly below the log start (retention, DeleteRecords). */
    void forgetBelow(long logStartOffset) {
        aborted.removeIf(transaction -> transaction.markerOffset() < logStartOffset);
    }

    /** Drops the transactions whose markers are now durable from the undecided snapshot (owner, periodically). */
    void settle(long durableEnd) {
        if (!deciding.isEmpty()) {
            publish(durableEnd);
        }
    }

    private void publish(long durableEnd) {
        deciding.removeIf(transaction -> transaction.markerOffset() < durableEnd);
        List<Undecided> all = new ArrayList<>(deciding);
        for (Map.Entry<Long, Long> entry : open.entrySet()) {
            all.add(new Undecided(entry.getKey(), entry.getValue(), Long.MAX_VALUE));
        }
        undecided = all.toArray(new Undecided[0]);
    }

    /** The last stable offset for a high watermark of {@code highWatermark}. Any thread. */
    long lastStableOffset(long highWatermark) {
        long stable = highWatermark;
        for (Undecided transaction : undecided) {
            if (transaction.markerOffset() >= highWatermark && transaction.firstOffset() < stable) {
                stable = transaction.firstOffset();
            }
        }
        return stable;
    }

    /** The aborted transactions with records in [fromOffset, toOffset). Any thread. */
    List<AbortedTransaction> abortedBetween(long fromOffset, long toOffset) {
        List<AbortedTransaction> found = null;
        for (AbortedTransaction transaction : aborted) {
            if (transaction.markerOffset() >= fromOffset && transaction.firstOffset() < toOffset) {
                if (found == null) {
                    found = new ArrayList<>();
                }
                found.add(transaction);
            }
        }
        return found == null ? List.of() : found;
    }

    /** Producers with a transaction open on the partition, and the first offset of each (owner). */
    Map<Long, Long> openTransactions() {
        return Map.copyOf(open);
    }
}
