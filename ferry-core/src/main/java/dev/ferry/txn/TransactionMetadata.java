package dev.ferry.txn;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.PartitionRef;

/**
 * Everything the coordinator keeps for one transactional id, as data: its producer id and epoch,
 * the timeout the producer asked for, its current transaction's state, the partitions and the
 * groups' offsets (held until commit) taking part, and when the transaction started. Also the record
 * the transaction log keeps, one per change (compaction keeps the latest per transactional id).
 *
 * @param partitions    the partitions the transaction wrote to (AddPartitionsToTxn), sorted
 * @param pendingOffsets per group (AddOffsetsToTxn), the offsets TxnOffsetCommit sent, committed
 *                      to the group when the transaction commits, dropped when it aborts
 * @param startTimeMs   when the current transaction began (its first AddPartitions / AddOffsets); -1 if none
 * @param updateTimeMs  when this was last changed
 */
public record TransactionMetadata(String transactionalId, long producerId, short producerEpoch, int timeoutMs,
                                  TransactionState state, SortedSet<PartitionRef> partitions,
                                  Map<String, List<OffsetToCommit>> pendingOffsets, long startTimeMs,
                                  long updateTimeMs) {
    public TransactionMetadata {
        partitions = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(partitions));
        TreeMap<String, List<OffsetToCommit>> offsets = new TreeMap<>();
        pendingOffsets.forEach((group, list) -> offsets.put(group, List.copyOf(list)));
        pendingOffsets = java.util.Collections.unmodifiableMap(offsets);
    }

    /** A copy in {@code newState} at {@code nowMs}. */
    TransactionMetadata withState(TransactionState newState, long nowMs) {
        return new TransactionMetadata(transactionalId, producerId, producerEpoch, timeoutMs, newState, partitions,
                pendingOffsets, startTimeMs, nowMs);
    }

    /** A copy with {@code epoch} (a fence or a bump). */
    TransactionMetadata withEpoch(short epoch, long nowMs) {
        return new TransactionMetadata(transactionalId, producerId, epoch, timeoutMs, state, partitions, pendingOffsets,
                startTimeMs, nowMs);
    }

    /** A copy that takes part in a transaction with {@code more} partitions and {@code group}'s offsets. */
    TransactionMetadata joined(Set<PartitionRef> more, String group, long nowMs) {
        TreeSet<PartitionRef> all = new TreeSet<>(state == TransactionState.ONGOING ? partitions : Set.of());
        all.addAll(more);
        Map<String, List<OffsetToCommit>> offsets = new TreeMap<>(state == TransactionState.ONGOING ? pendingOffsets
                : Map.of());
        if (group != null) {
            offsets.putIfAbsent(group, List.of());
        }
        long start = state == TransactionState.ONGOING ? startTimeMs : nowMs;
        return new TransactionMetadata(transactionalId, producerId, producerEpoch, timeoutMs, TransactionState.ONGOING,
                all, offsets, start, nowMs);
    }

    /** Whether the transaction already holds all of {@code more} (and {@code group}, if not null). */
    boolean holds(Set<PartitionRef> more, String group) {
        return state == TransactionState.ONGOING && partitions.containsAll(more)
                && (group == null || pendingOffsets.containsKey(group));
    }

    /** A copy with {@code offsets} for {@code group}, replacing earlier ones for the same partitions. */
    TransactionMetadata withOffsets(String group, List<OffsetToCommit> offsets, long nowMs) {
        Map<PartitionRef, OffsetToCommit> merged = new TreeMap<>();
        for (OffsetToCommit offset : pendingOffsets.getOrDefault(group, List.of())) {
            merged.put(offset.partition(), offset);
        }
        for (OffsetToCommit offset : offsets) {
            merged.put(offset.partition(), offset);
        }
        Map<String, List<OffsetToCommit>> all = new TreeMap<>(pendingOffsets);
        all.put(group, List.copyOf(merged.values()));
        return new TransactionMetadata(transactionalId, producerId, producerEpoch, timeoutMs, state, partitions, all,
                startTimeMs, nowMs);
    }

    /** The transaction completed ({@code COMPLETE_COMMIT} or {@code COMPLETE_ABORT}): nothing takes part any more. */
    TransactionMetadata completed(TransactionState completeState, long nowMs) {
        return new TransactionMetadata(transactionalId, producerId, producerEpoch, timeoutMs, completeState,
                new TreeSet<>(), Map.of(), -1, nowMs);
    }
}
