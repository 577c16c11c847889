package dev.ferry.txn;

import java.util.List;
import java.util.Set;

import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.PartitionRef;

/**
 * A change to the transaction coordinator's state, as data: no future, no callback, no clock
 * reading inside (the time is {@code nowMs}; a new producer id is allocated by the caller before
 * and carried in the command). The answer to a request is a reply carrying the caller's
 * {@code requestId}; an EndTxn is answered by the later {@link MarkersWritten} that completes it.
 */
public sealed interface TransactionCommand {
    long nowMs();

    /**
     * InitProducerId with a transactional id. {@code newProducerId} is a freshly allocated id the
     * command uses if the transactional id needs one (it is new, or its epoch is exhausted); -1 if
     * the caller found it needs none. {@code expectedProducerId} / {@code expectedEpoch} are the
     * producer's current ones when it re-initialises (KIP-360), -1 otherwise.
     */
    record InitProducerId(long requestId, String transactionalId, int timeoutMs, long expectedProducerId,
                          short expectedEpoch, long newProducerId, long nowMs) implements TransactionCommand {
    }

    /** AddPartitionsToTxn (the client path, v0-3). */
    record AddPartitions(long requestId, String transactionalId, long producerId, short producerEpoch,
                         Set<PartitionRef> partitions, long nowMs) implements TransactionCommand {
        public AddPartitions {
            partitions = Set.copyOf(partitions);
        }
    }

    /** AddOffsetsToTxn: the group's offsets will be part of the transaction. */
    record AddOffsets(long requestId, String transactionalId, long producerId, short producerEpoch, String groupId,
                      long nowMs) implements TransactionCommand {
    }

    /** TxnOffsetCommit: offsets held by the transaction until it commits. */
    record CommitOffsets(long requestId, String transactionalId, long producerId, short producerEpoch, String groupId,
                         List<OffsetToCommit> offsets, long nowMs) implements TransactionCommand {
        public CommitOffsets {
            offsets = List.copyOf(offsets);
        }
    }

    /** EndTxn: commit or abort the ongoing transaction. */
    record EndTxn(long requestId, String transactionalId, long producerId, short producerEpoch, boolean commit,
                  long nowMs) implements TransactionCommand {
    }

    /** Every marker (and for a commit every group offset) of a preparing transaction is durable: it completes. */
    record MarkersWritten(String transactionalId, long producerId, short producerEpoch, boolean commit, long nowMs)
            implements TransactionCommand {
    }

    /** The periodic check: ongoing transactions past their timeout are aborted (their producer fenced). */
    record ExpireTransactions(long nowMs) implements TransactionCommand {
    }
}
