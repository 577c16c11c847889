package dev.ferry.txn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.PartitionRef;
import dev.ferry.txn.TransactionCommand.AddOffsets;
import dev.ferry.txn.TransactionCommand.AddPartitions;
import dev.ferry.txn.TransactionCommand.CommitOffsets;
import dev.ferry.txn.TransactionCommand.EndTxn;
import dev.ferry.txn.TransactionCommand.ExpireTransactions;
import dev.ferry.txn.TransactionCommand.InitProducerId;
import dev.ferry.txn.TransactionCommand.MarkersWritten;

/** The transaction coordinator's state machine, command by command, and its records' codec. */
class TransactionsTest {
    private static final String ID = "copier";
    private static final long PRODUCER = 42;
    private static final PartitionRef OUT_0 = new PartitionRef("out", 0);

    private final Transactions transactions = new Transactions();
    private long requestId;

    private TransactionOutcome apply(TransactionCommand command) {
        return transactions.apply(command);
    }

    private TransactionResult reply(TransactionOutcome outcome) {
        assertThat(outcome.replies()).hasSize(1);
        return outcome.replies().get(0).result();
    }

    private TransactionResult init(long nowMs) {
        long newId = transactions.needsNewProducerId(ID) ? PRODUCER : -1;
        return reply(apply(new InitProducerId(++requestId, ID, 60_000, -1, (short) -1, newId, nowMs)));
    }

    @Test
    void shouldBumpTheEpochOnEachInitProducerId() {
        assertThat(init(0)).isEqualTo(new TransactionResult(null, PRODUCER, (short) 0));
        assertThat(init(1)).isEqualTo(new TransactionResult(null, PRODUCER, (short) 1));
        assertThat(transactions.get(ID).state()).isEqualTo(TransactionState.EMPTY);
    }

    @Test
    void shouldCommitAfterTheMarkersAreWritten() {
        init(0);
        TransactionOutcome added = apply(new AddPartitions(++requestId, ID, PRODUCER, (short) 0, Set.of(OUT_0), 10));
        assertThat(reply(added).succeeded()).isTrue();
        assertThat(added.records()).singleElement().extracting(TransactionMetadata::state)
                .isEqualTo(TransactionState.ONGOING);
        assertThat(reply(apply(new AddOffsets(++requestId, ID, PRODUCER, (short) 0, "group", 11))).succeeded()).isTrue();
        OffsetToCommit offset = new OffsetToCommit(new PartitionRef("in", 0), 100, -1, "");
        assertThat(reply(apply(new CommitOffsets(++requestId, ID, PRODUCER, (short) 0, "group", List.of(offset), 12)))
                .succeeded()).isTrue();

        long endRequest = ++requestId;
        TransactionOutcome ending = apply(new EndTxn(endRequest, ID, PRODUCER, (short) 0, true, 13));
        assertThat(ending.replies()).isEmpty(); // answered once the markers are durable
        assertThat(ending.toComplete()).singleElement().satisfies(metadata -> {
            assertThat(metadata.state()).isEqualTo(TransactionState.PREPARE_COMMIT);
            assertThat(metadata.partitions()).containsExactly(OUT_0);
            assertThat(metadata.pendingOffsets()).containsEntry("group", List.of(offset));
        });
        assertThat(reply(apply(new AddPartitions(++requestId, ID, PRODUCER, (short) 0, Set.of(OUT_0), 14))).error())
                .isEqualTo(ErrorCode.CONCURRENT_TRANSACTIONS);

        TransactionOutcome completed = apply(new MarkersWritten(ID, PRODUCER, (short) 0, true, 15));
        assertThat(completed.replies()).singleElement().satisfies(reply -> {
            assertThat(reply.requestId()).isEqualTo(endRequest);
            assertThat(reply.result().succeeded()).isTrue();
        });
        TransactionMetadata done = transactions.get(ID);
        assertThat(done.state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(done.partitions()).isEmpty();
        assertThat(done.pendingOffsets()).isEmpty();
        // A retried EndTxn of the completed transaction succeeds; an abort of it does not.
        assertThat(reply(apply(new EndTxn(++requestId, ID, PRODUCER, (short) 0, true, 16))).succeeded()).isTrue();
        assertThat(reply(apply(new EndTxn(++requestId, ID, PRODUCER, (short) 0, false, 16))).error())
                .isEqualTo(ErrorCode.INVALID_TXN_STATE);
    }

    @Test
    void shouldFenceTheEarlierProducerByAbortingItsTransaction() {
        init(0);
        apply(new AddPartitions(++requestId, ID, PRODUCER, (short) 0, Set.of(OUT_0), 10));

        TransactionOutcome fencing = apply(new InitProducerId(++requestId, ID, 60_000, -1, (short) -1, -1, 20));
        assertThat(reply(fencing).error()).isEqualTo(ErrorCode.CONCURRENT_TRANSACTIONS);
        assertThat(fencing.toComplete()).singleElement().satisfies(metadata -> {
            assertThat(metadata.state()).isEqualTo(TransactionState.PREPARE_ABORT);
            assertThat(metadata.producerEpoch()).isEqualTo((short) 1);
        });
        assertThat(reply(apply(new EndTxn(++requestId, ID, PRODUCER, (short) 0, true, 21))).error())
                .isEqualTo(ErrorCode.PRODUCER_FENCED);

        apply(new MarkersWritten(ID, PRODUCER, (short) 1, false, 22));
        assertThat(init(23)).isEqualTo(new TransactionResult(null, PRODUCER, (short) 2));
        assertThat(reply(apply(new AddPartitions(++requestId, ID, PRODUCER, (short) 1, Set.of(OUT_0), 24))).error())
                .isEqualTo(ErrorCode.PRODUCER_FENCED);
    }

    @Test
    void shouldAbortATransactionPastItsTimeout() {
        init(0);
        apply(new AddPartitions(++requestId, ID, PRODUCER, (short) 0, Set.of(OUT_0), 1_000));

        assertThat(apply(new ExpireTransactions(60_999)).toComplete()).isEmpty();
        TransactionOutcome expired = apply(new ExpireTransactions(61_000));
        assertThat(expired.toComplete()).singleElement().satisfies(metadata -> {
            assertThat(metadata.state()).isEqualTo(TransactionState.PREPARE_ABORT);
            assertThat(metadata.producerEpoch()).isEqualTo((short) 1);
        });
    }

    @Test
    void shouldRefuseRequestsThatDoNotMatchTheTransactionalId() {
        assertThat(reply(apply(new AddPartitions(++requestId, ID, PRODUCER, (short) 0, Set.of(OUT_0), 0))).error())
                .isEqualTo(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
        init(0);
        assertThat(reply(apply(new CommitOffsets(++requestId, ID, PRODUCER, (short) 0, "group", List.of(), 1))).error())
                .isEqualTo(ErrorCode.INVALID_TXN_STATE);
        assertThat(reply(apply(new InitProducerId(++requestId, ID, 0, -1, (short) -1, -1, 2))).error())
                .isEqualTo(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
        assertThat(reply(apply(new InitProducerId(++requestId, ID, 60_000, PRODUCER, (short) 7, -1, 3))).error())
                .isEqualTo(ErrorCode.PRODUCER_FENCED);
    }

    @Test
    void shouldRestoreWhatTheRecordsSay() {
        init(0);
        apply(new AddPartitions(++requestId, ID, PRODUCER, (short) 0, Set.of(OUT_0, new PartitionRef("out", 1)), 5));
        apply(new AddOffsets(++requestId, ID, PRODUCER, (short) 0, "group", 6));
        TransactionOutcome last = apply(new CommitOffsets(++requestId, ID, PRODUCER, (short) 0, "group",
                List.of(new OffsetToCommit(new PartitionRef("in", 3), 9, 2, "meta")), 7));
        TransactionMetadata record = last.records().get(0);

        TransactionRecordCodec codec = TransactionRecordCodec.INSTANCE;
        TransactionMetadata decoded = codec.decode(ByteBuffer.wrap(codec.key(record)), ByteBuffer.wrap(codec.value(record)));
        assertThat(decoded).isEqualTo(record);

        Transactions restored = new Transactions();
        restored.restore(decoded);
        assertThat(restored.get(ID)).isEqualTo(transactions.get(ID));
    }
}
