package dev.ferry.txn;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.ferry.error.ErrorCode;
import dev.ferry.txn.TransactionCommand.AddOffsets;
import dev.ferry.txn.TransactionCommand.AddPartitions;
import dev.ferry.txn.TransactionCommand.CommitOffsets;
import dev.ferry.txn.TransactionCommand.EndTxn;
import dev.ferry.txn.TransactionCommand.ExpireTransactions;
import dev.ferry.txn.TransactionCommand.InitProducerId;
import dev.ferry.txn.TransactionCommand.MarkersWritten;

/**
 * The transaction coordinator's state machine: every transactional id's {@link TransactionMetadata},
 * changed only by {@link #apply} with a {@link TransactionCommand}. Deterministic: the same commands
 * give the same states, records and replies (what replay and, later, replication need). Errors are
 * those Kafka's coordinator returns (transaction version 1): a stale epoch is PRODUCER_FENCED, a
 * request while markers are being written CONCURRENT_TRANSACTIONS (the client retries).
 *
 * <p>Fencing: InitProducerId of an id whose transaction is ongoing bumps the epoch and aborts that
 * transaction under the new epoch (its markers fence the old producer on every partition), answering
 * CONCURRENT_TRANSACTIONS until the abort completes; the retry then bumps the epoch once more. A
 * transaction past its timeout is aborted the same way.
 *
 * <p>Not thread-safe: the coordinator's thread owns it.
 */
public final class Transactions {
    /** Kafka's {@code transaction.max.timeout.ms} default. */
    public static final int MAX_TIMEOUT_MS = 900_000;

    private final Map<String, TransactionMetadata> byId = new HashMap<>();
    /** EndTxn requests waiting for their transaction's markers, per transactional id. */
    private final Map<String, List<Long>> waitingForMarkers = new HashMap<>();

    /** Restores one record read back from the transaction log (the latest per id wins). */
    public void restore(TransactionMetadata record) {
        byId.put(record.transactionalId(), record);
    }

    /** What stands: one record per transactional id, for the log's compaction. */
    public List<TransactionMetadata> snapshot() {
        return new ArrayList<>(byId.values());
    }

    public TransactionMetadata get(String transactionalId) {
        return byId.get(transactionalId);
    }

    public Collection<TransactionMetadata> all() {
        return List.copyOf(byId.values());
    }

    /** Whether an InitProducerId for {@code transactionalId} needs a new producer id (new id, or epoch exhausted). */
    public boolean needsNewProducerId(String transactionalId) {
        TransactionMetadata metadata = byId.get(transactionalId);
        return metadata == null || metadata.producerEpoch() >= Short.MAX_VALUE - 1;
    }

    public TransactionOutcome apply(TransactionCommand command) {
        TransactionOutcome.Builder out = new TransactionOutcome.Builder();
        if (command instanceof InitProducerId init) {
            initProducerId(init, out);
        } else if (command instanceof AddPartitions add) {
            join(add.requestId(), add.transactionalId(), add.producerId(), add.producerEpoch(), add.partitions(), null,
                    add.nowMs(), out);
        } else if (command instanceof AddOffsets add) {
            join(add.requestId(), add.transactionalId(), add.producerId(), add.producerEpoch(), Set.of(), add.groupId(),
                    add.nowMs(), out);
        } else if (command instanceof CommitOffsets commit) {
            commitOffsets(commit, out);
        } else if (command instanceof EndTxn end) {
            endTxn(end, out);
        } else if (command instanceof MarkersWritten written) {
            markersWritten(written, out);
        } else if (command instanceof ExpireTransactions expire) {
            for (TransactionMetadata metadata : List.copyOf(byId.values())) {
                if (metadata.state() == TransactionState.ONGOING
                        && expire.nowMs() - metadata.startTimeMs() >= metadata.timeoutMs()) {
                    fenceAndAbort(metadata, expire.nowMs(), out);
                }
            }
        }
        return out.build();
    }

    private void initProducerId(InitProducerId init, TransactionOutcome.Builder out) {
        if (init.transactionalId().isEmpty()) {
            out.reply(init.requestId(), TransactionResult.failed(ErrorCode.PRECONDITION_FAILED));
            return;
        }
        if (init.timeoutMs() <= 0 || init.timeoutMs() > MAX_TIMEOUT_MS) {
            out.reply(init.requestId(), TransactionResult.failed(ErrorCode.INVALID_TRANSACTION_TIMEOUT));
            return;
        }
        TransactionMetadata metadata = byId.get(init.transactionalId());
        if (metadata != null && init.expectedProducerId() >= 0 && (init.expectedProducerId() != metadata.producerId()
                || init.expectedEpoch() != metadata.producerEpoch())) {
            out.reply(init.requestId(), TransactionResult.failed(ErrorCode.PRODUCER_FENCED));
            return;
        }
        if (metadata != null && metadata.state().isPreparing()) {
            out.reply(init.requestId(), TransactionResult.failed(ErrorCode.CONCURRENT_TRANSACTIONS));
            return;
        }
        if (metadata != null && metadata.state() == TransactionState.ONGOING) {
            fenceAndAbort(metadata, init.nowMs(), out);
            out.reply(init.requestId(), TransactionResult.failed(ErrorCode.CONCURRENT_TRANSACTIONS));
            return;
        }
        TransactionMetadata next;
        if (metadata == null || metadata.producerEpoch() >= Short.MAX_VALUE - 1) {
            if (init.newProducerId() < 0) {
                // The caller decided before another InitProducerId changed the id: it retries with one.
                out.reply(init.requestId(), TransactionResult.failed(ErrorCode.CONCURRENT_TRANSACTIONS));
                return;
            }
            next = new TransactionMetadata(init.transactionalId(), init.newProducerId(), (short) 0, init.timeoutMs(),
                    TransactionState.EMPTY, new TreeSet<>(), Map.of(), -1, init.nowMs());
        } else {
            next = new TransactionMetadata(init.transactionalId(), metadata.producerId(),
                    (short) (metadata.producerEpoch() + 1), init.timeoutMs(), TransactionState.EMPTY, new TreeSet<>(),
                    Map.of(), -1, init.nowMs());
        }
        put(next, out);
        out.reply(init.requestId(), new TransactionResult(null, next.producerId(), next.producerEpoch()));
    }

    /** The epoch is bumped (fencing the producer) and the transaction aborted under it. */
    private void fenceAndAbort(TransactionMetadata metadata, long nowMs, TransactionOutcome.Builder out) {
        short epoch = metadata.producerEpoch() < Short.MAX_VALUE ? (short) (metadata.producerEpoch() + 1)
                : metadata.producerEpoch();
        put(metadata.withEpoch(epoch, nowMs).withState(TransactionState.PREPARE_ABORT, nowMs), out);
    }

    /**
     * Why a transactional batch of {@code producerId} at {@code epoch} may not open a transaction on
     * {@code partition}, or null if it may: another or no producer under the id
     * INVALID_PRODUCER_ID_MAPPING, another epoch INVALID_PRODUCER_EPOCH, a transaction not ongoing or
     * without the partition INVALID_TXN_STATE (Kafka 4.3.1's answers to a Produce it verifies).
     */
    static ErrorCode verificationError(TransactionMetadata metadata, long producerId, short epoch,
                                       dev.ferry.group.PartitionRef partition) {
        if (metadata == null || metadata.producerId() != producerId) {
            return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
        }
        if (metadata.producerEpoch() != epoch) {
            return ErrorCode.INVALID_PRODUCER_EPOCH;
        }
        if (metadata.state() != TransactionState.ONGOING || !metadata.partitions().contains(partition)) {
            return ErrorCode.INVALID_TXN_STATE;
        }
        return null;
    }

    /** The error for a request of {@code producerId} / {@code epoch} on {@code metadata}, or null. */
    private static ErrorCode producerError(TransactionMetadata metadata, long producerId, short epoch) {
        if (metadata == null || metadata.producerId() != producerId) {
            return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
        }
        if (metadata.producerEpoch() != epoch) {
            return ErrorCode.PRODUCER_FENCED;
        }
        return null;
    }

    private void join(long requestId, String transactionalId, long producerId, short epoch,
                      Set<dev.ferry.group.PartitionRef> partitions, String group, long nowMs,
                      TransactionOutcome.Builder out) {
        TransactionMetadata metadata = byId.get(transactionalId);
        ErrorCode error = producerError(metadata, producerId, epoch);
        if (error == null && metadata.state().isPreparing()) {
            error = ErrorCode.CONCURRENT_TRANSACTIONS;
        }
        if (error != null) {
            out.reply(requestId, TransactionResult.failed(error));
            return;
        }
        if (!metadata.holds(partitions, group)) {
            put(metadata.joined(partitions, group, nowMs), out);
        }
        out.reply(requestId, TransactionResult.OK);
    }

    private void commitOffsets(CommitOffsets commit, TransactionOutcome.Builder out) {
        TransactionMetadata metadata = byId.get(commit.transactionalId());
        ErrorCode error = producerError(metadata, commit.producerId(), commit.producerEpoch());
        if (error == null && (metadata.state() != TransactionState.ONGOING
                || !metadata.pendingOffsets().containsKey(commit.groupId()))) {
            // TxnOffsetCommit without AddOffsetsToTxn first, or after the transaction ended.
            error = ErrorCode.INVALID_TXN_STATE;
        }
        if (error != null) {
            out.reply(commit.requestId(), TransactionResult.failed(error));
            return;
        }
        put(metadata.withOffsets(commit.groupId(), commit.offsets(), commit.nowMs()), out);
        out.reply(commit.requestId(), TransactionResult.OK);
    }

    private void endTxn(EndTxn end, TransactionOutcome.Builder out) {
        TransactionMetadata metadata = byId.get(end.transactionalId());
        ErrorCode error = producerError(metadata, end.producerId(), end.producerEpoch());
        if (error != null) {
            out.reply(end.requestId(), TransactionResult.failed(error));
            return;
        }
        TransactionState wanted = end.commit() ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        TransactionState done = end.commit() ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        TransactionState state = metadata.state();
        if (state == TransactionState.ONGOING) {
            put(metadata.withState(wanted, end.nowMs()), out);
            waitingForMarkers.computeIfAbsent(end.transactionalId(), id -> new ArrayList<>()).add(end.requestId());
        } else if (state == wanted) {
            // A retry while the markers are on their way: answered with the others.
            waitingForMarkers.computeIfAbsent(end.transactionalId(), id -> new ArrayList<>()).add(end.requestId());
        } else if (state == done) {
            out.reply(end.requestId(), TransactionResult.OK); // a retry of a completed EndTxn
        } else {
            out.reply(end.requestId(), TransactionResult.failed(ErrorCode.INVALID_TXN_STATE));
        }
    }

    private void markersWritten(MarkersWritten written, TransactionOutcome.Builder out) {
        TransactionMetadata metadata = byId.get(written.transactionalId());
        TransactionState preparing = written.commit() ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        if (metadata == null || metadata.producerId() != written.producerId()
                || metadata.producerEpoch() != written.producerEpoch() || metadata.state() != preparing) {
            return; // a completion that an earlier one already applied
        }
        put(metadata.completed(written.commit() ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT,
                written.nowMs()), out);
        List<Long> waiting = waitingForMarkers.remove(written.transactionalId());
        if (waiting != null) {
            for (long requestId : waiting) {
                out.reply(requestId, TransactionResult.OK);
            }
        }
    }

    private void put(TransactionMetadata metadata, TransactionOutcome.Builder out) {
        byId.put(metadata.transactionalId(), metadata);
        out.record(metadata);
    }
}
