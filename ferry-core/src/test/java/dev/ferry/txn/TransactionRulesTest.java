package dev.ferry.txn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

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

/**
 * The coordinator's rules at their edges: timeouts at their bounds, an exhausted epoch, requests
 * while markers are written, repeated joins, offsets merged per partition, stale completions.
 */
class TransactionRulesTest {
    private static final String ID = "copier";
    private static final long PRODUCER = 42;
    private static final PartitionRef OUT_0 = new PartitionRef("out", 0);
    private static final PartitionRef OUT_1 = new PartitionRef("out", 1);

    private final Transactions transactions = new Transactions();
    private long requestId;

    private TransactionResult reply(TransactionCommand command) {
        TransactionOutcome outcome = transactions.apply(command);
        assertThat(outcome.replies()).hasSize(1);
        return outcome.replies().get(0).result();
    }

    private TransactionResult init(int timeoutMs, long newProducerId) {
        return reply(new InitProducerId(++requestId, ID, timeoutMs, -1, (short) -1, newProducerId, 0));
    }

    private TransactionResult add(short epoch, PartitionRef partition, long nowMs) {
        return reply(new AddPartitions(++requestId, ID, PRODUCER, epoch, Set.of(partition), nowMs));
    }

    private static TransactionMetadata at(short epoch, TransactionState state) {
        return new TransactionMetadata(ID, PRODUCER, epoch, 60_000, state, new TreeSet<>(), Map.of(), -1, 0);
    }

    @Test
    void shouldVerifyAPartitionOnlyInItsProducersOngoingTransaction() {
        assertThat(Transactions.verificationError(null, PRODUCER, (short) 0, OUT_0))
                .isEqualTo(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
        init(60_000, PRODUCER);
        assertThat(Transactions.verificationError(transactions.get(ID), PRODUCER, (short) 0, OUT_0))
                .as("no transaction yet").isEqualTo(ErrorCode.INVALID_TXN_STATE);
        add((short) 0, OUT_0, 1);
        TransactionMetadata ongoing = transactions.get(ID);
        assertThat(Transactions.verificationError(ongoing, PRODUCER, (short) 0, OUT_0)).isNull();
        assertThat(Transactions.verificationError(ongoing, PRODUCER, (short) 0, OUT_1))
                .as("a partition the transaction was not given").isEqualTo(ErrorCode.INVALID_TXN_STATE);
        assertThat(Transactions.verificationError(ongoing, PRODUCER + 1, (short) 0, OUT_0))
                .isEqualTo(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
        assertThat(Transactions.verificationError(ongoing, PRODUCER, (short) 1, OUT_0))
                .isEqualTo(ErrorCode.INVALID_PRODUCER_EPOCH);
        assertThat(Transactions.verificationError(ongoing.withState(TransactionState.PREPARE_ABORT, 2), PRODUCER,
                (short) 0, OUT_0)).as("ending").isEqualTo(ErrorCode.INVALID_TXN_STATE);
    }

    @Test
    void shouldTakeTimeoutsFromOneMillisecondToTheMaximum() {
        assertThat(init(-1, PRODUCER).error()).isEqualTo(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
        assertThat(init(Transactions.MAX_TIMEOUT_MS + 1, PRODUCER).error())
                .isEqualTo(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
        assertThat(transactions.get(ID)).isNull();
        assertThat(init(1, PRODUCER)).isEqualTo(new TransactionResult(null, PRODUCER, (short) 0));
        assertThat(init(Transactions.MAX_TIMEOUT_MS, -1)).isEqualTo(new TransactionResult(null, PRODUCER, (short) 1));
        assertThat(transactions.get(ID).timeoutMs()).isEqualTo(Transactions.MAX_TIMEOUT_MS);
    }

    @Test
    void shouldRefuseAnEmptyTransactionalId() {
        TransactionOutcome outcome = transactions.apply(new InitProducerId(1, "", 60_000, -1, (short) -1, PRODUCER, 0));
        assertThat(outcome.replies()).singleElement().extracting(r -> r.result().error())
                .isEqualTo(ErrorCode.PRECONDITION_FAILED);
        assertThat(outcome.replies().get(0).result().succeeded()).isFalse();
        assertThat(outcome.records()).isEmpty();
    }

    @Test
    void shouldNeedANewProducerIdOnlyForANewIdOrAnExhaustedEpoch() {
        assertThat(transactions.needsNewProducerId(ID)).isTrue();
        transactions.restore(at((short) (Short.MAX_VALUE - 2), TransactionState.COMPLETE_COMMIT));
        assertThat(transactions.needsNewProducerId(ID)).isFalse();
        assertThat(init(60_000, -1)).isEqualTo(new TransactionResult(null, PRODUCER, (short) (Short.MAX_VALUE - 1)));

        assertThat(transactions.needsNewProducerId(ID)).as("epoch 32766 is the last").isTrue();
        assertThat(init(60_000, -1).error()).as("decided before the epoch ran out: retried")
                .isEqualTo(ErrorCode.CONCURRENT_TRANSACTIONS);
        assertThat(init(60_000, 77)).isEqualTo(new TransactionResult(null, 77, (short) 0));
    }

    @Test
    void shouldReinitialiseAProducerThatNamesItsCurrentIdAndEpoch() {
        init(60_000, PRODUCER);
        TransactionResult again = reply(new InitProducerId(++requestId, ID, 60_000, PRODUCER, (short) 0, -1, 1));
        assertThat(again).isEqualTo(new TransactionResult(null, PRODUCER, (short) 1));
        assertThat(reply(new InitProducerId(++requestId, ID, 60_000, PRODUCER + 1, (short) 1, -1, 2)).error())
                .as("another producer id").isEqualTo(ErrorCode.PRODUCER_FENCED);
    }

    @Test
    void shouldAnswerConcurrentTransactionsWhileMarkersAreWrittenAndKeepTheEpochAtItsMaximumWhenFencing() {
        transactions.restore(at(Short.MAX_VALUE, TransactionState.ONGOING));
        TransactionOutcome fencing = transactions.apply(new InitProducerId(1, ID, 60_000, -1, (short) -1, -1, 5));
        assertThat(fencing.toComplete()).singleElement().satisfies(m -> {
            assertThat(m.producerEpoch()).isEqualTo(Short.MAX_VALUE);
            assertThat(m.state()).isEqualTo(TransactionState.PREPARE_ABORT);
            assertThat(m.updateTimeMs()).isEqualTo(5);
        });
        assertThat(reply(new InitProducerId(2, ID, 60_000, -1, (short) -1, 99, 6)).error())
                .isEqualTo(ErrorCode.CONCURRENT_TRANSACTIONS);
        assertThat(reply(new AddOffsets(3, ID, PRODUCER, Short.MAX_VALUE, "g", 7)).error())
                .isEqualTo(ErrorCode.CONCURRENT_TRANSACTIONS);
    }

    @Test
    void shouldRecordAJoinOnlyWhenItAddsSomething() {
        init(60_000, PRODUCER);
        assertThat(transactions.apply(new AddPartitions(++requestId, ID, PRODUCER, (short) 0, Set.of(OUT_0), 10))
                .records()).hasSize(1);
        TransactionOutcome same = transactions.apply(new AddPartitions(++requestId, ID, PRODUCER, (short) 0,
                Set.of(OUT_0), 11));
        assertThat(same.records()).as("already part of it").isEmpty();
        assertThat(same.replies()).singleElement().extracting(r -> r.result().succeeded()).isEqualTo(true);

        TransactionOutcome group = transactions.apply(new AddOffsets(++requestId, ID, PRODUCER, (short) 0, "g", 12));
        assertThat(group.records()).singleElement().satisfies(m -> {
            assertThat(m.pendingOffsets()).containsOnlyKeys("g");
            assertThat(m.partitions()).containsExactly(OUT_0);
            assertThat(m.startTimeMs()).as("the transaction began at its first join").isEqualTo(10);
        });
        assertThat(transactions.apply(new AddOffsets(++requestId, ID, PRODUCER, (short) 0, "g", 13)).records())
                .isEmpty();
        TransactionOutcome more = transactions.apply(new AddPartitions(++requestId, ID, PRODUCER, (short) 0,
                Set.of(OUT_0, OUT_1), 14));
        assertThat(more.records()).singleElement().satisfies(m -> {
            assertThat(m.partitions()).containsExactly(OUT_0, OUT_1);
            assertThat(m.pendingOffsets()).containsOnlyKeys("g");
            assertThat(m.updateTimeMs()).isEqualTo(14);
        });
    }

    @Test
    void shouldStartANewTransactionAfterACompletedOneWithNothingOfIt() {
        init(60_000, PRODUCER);
        add((short) 0, OUT_0, 10);
        transactions.apply(new AddOffsets(++requestId, ID, PRODUCER, (short) 0, "g", 10));
        transactions.apply(new EndTxn(++requestId, ID, PRODUCER, (short) 0, false, 11));
        transactions.apply(new MarkersWritten(ID, PRODUCER, (short) 0, false, 12));
        assertThat(transactions.get(ID).state()).isEqualTo(TransactionState.COMPLETE_ABORT);

        add((short) 0, OUT_1, 20);
        TransactionMetadata next = transactions.get(ID);
        assertThat(next.state()).isEqualTo(TransactionState.ONGOING);
        assertThat(next.partitions()).containsExactly(OUT_1);
        assertThat(next.pendingOffsets()).isEmpty();
        assertThat(next.startTimeMs()).isEqualTo(20);
        // Its own timeout counts from its own start.
        assertThat(transactions.apply(new ExpireTransactions(20 + 59_999)).toComplete()).isEmpty();
        assertThat(transactions.apply(new ExpireTransactions(20 + 60_000)).toComplete()).hasSize(1);
    }

    @Test
    void shouldMergeOffsetsPerPartitionAndRefuseThemForAGroupNotInTheTransaction() {
        init(60_000, PRODUCER);
        transactions.apply(new AddOffsets(++requestId, ID, PRODUCER, (short) 0, "g", 1));
        PartitionRef in0 = new PartitionRef("in", 0);
        PartitionRef in1 = new PartitionRef("in", 1);
        reply(new CommitOffsets(++requestId, ID, PRODUCER, (short) 0, "g",
                List.of(new OffsetToCommit(in0, 5, -1, ""), new OffsetToCommit(in1, 7, -1, "")), 2));
        reply(new CommitOffsets(++requestId, ID, PRODUCER, (short) 0, "g", List.of(new OffsetToCommit(in0, 9, 3, "m")),
                3));
        assertThat(transactions.get(ID).pendingOffsets().get("g"))
                .containsExactly(new OffsetToCommit(in0, 9, 3, "m"), new OffsetToCommit(in1, 7, -1, ""));

        assertThat(reply(new CommitOffsets(++requestId, ID, PRODUCER, (short) 0, "other", List.of(), 4)).error())
                .isEqualTo(ErrorCode.INVALID_TXN_STATE);
        assertThat(reply(new CommitOffsets(++requestId, ID, PRODUCER, (short) 1, "g", List.of(), 4)).error())
                .isEqualTo(ErrorCode.PRODUCER_FENCED);
        assertThat(reply(new CommitOffsets(++requestId, ID, PRODUCER + 1, (short) 0, "g", List.of(), 4)).error())
                .isEqualTo(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    }

    @Test
    void shouldAnswerEveryEndTxnOfAPreparingTransactionWhenItsMarkersAreWritten() {
        init(60_000, PRODUCER);
        add((short) 0, OUT_0, 1);
        long first = ++requestId;
        long retry = ++requestId;
        assertThat(transactions.apply(new EndTxn(first, ID, PRODUCER, (short) 0, false, 2)).replies()).isEmpty();
        TransactionOutcome retried = transactions.apply(new EndTxn(retry, ID, PRODUCER, (short) 0, false, 3));
        assertThat(retried.replies()).isEmpty();
        assertThat(retried.records()).as("already preparing: nothing new to write").isEmpty();
        assertThat(reply(new EndTxn(++requestId, ID, PRODUCER, (short) 0, true, 3)).error())
                .as("a commit of a transaction being aborted").isEqualTo(ErrorCode.INVALID_TXN_STATE);

        assertThat(transactions.apply(new MarkersWritten(ID, PRODUCER, (short) 0, true, 4)).replies())
                .as("the markers of a commit, which this is not").isEmpty();
        assertThat(transactions.apply(new MarkersWritten(ID, PRODUCER, (short) 1, false, 4)).replies())
                .as("another epoch").isEmpty();
        assertThat(transactions.apply(new MarkersWritten(ID, PRODUCER + 1, (short) 0, false, 4)).replies())
                .as("another producer").isEmpty();
        assertThat(transactions.apply(new MarkersWritten("other", PRODUCER, (short) 0, false, 4)).replies())
                .as("another transactional id").isEmpty();
        assertThat(transactions.get(ID).state()).isEqualTo(TransactionState.PREPARE_ABORT);

        TransactionOutcome done = transactions.apply(new MarkersWritten(ID, PRODUCER, (short) 0, false, 5));
        assertThat(done.replies()).extracting(TransactionOutcome.Reply::requestId).containsExactly(first, retry);
        assertThat(done.records()).singleElement().satisfies(m -> {
            assertThat(m.state()).isEqualTo(TransactionState.COMPLETE_ABORT);
            assertThat(m.startTimeMs()).isEqualTo(-1);
            assertThat(m.updateTimeMs()).isEqualTo(5);
        });
        assertThat(done.toComplete()).isEmpty();
        assertThat(transactions.apply(new MarkersWritten(ID, PRODUCER, (short) 0, false, 6)).records())
                .as("applied already").isEmpty();
    }

    @Test
    void shouldTreatProducerIdZeroAsAnyOther() {
        assertThat(init(60_000, 0)).as("a new id of 0 is an id").isEqualTo(new TransactionResult(null, 0, (short) 0));
        assertThat(reply(new InitProducerId(++requestId, ID, 60_000, 0, (short) 5, -1, 1)).error())
                .as("producer 0 naming an epoch it does not hold").isEqualTo(ErrorCode.PRODUCER_FENCED);
    }

    @Test
    void shouldAnswerAnEndTxnRetriedAfterARestartOnceTheMarkersAreWritten() {
        // Replayed from the log: preparing, and the EndTxn that began it was lost with the restart.
        transactions.restore(at((short) 0, TransactionState.PREPARE_COMMIT));
        long retried = ++requestId;
        assertThat(transactions.apply(new EndTxn(retried, ID, PRODUCER, (short) 0, true, 1)).replies()).isEmpty();

        TransactionOutcome done = transactions.apply(new MarkersWritten(ID, PRODUCER, (short) 0, true, 2));
        assertThat(done.replies()).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo(retried);
            assertThat(r.result().succeeded()).isTrue();
        });
        assertThat(transactions.get(ID).state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
    }

    @Test
    void shouldRefuseToEndATransactionThatNeverBegan() {
        init(60_000, PRODUCER);
        assertThat(reply(new EndTxn(++requestId, ID, PRODUCER, (short) 0, true, 1)).error())
                .isEqualTo(ErrorCode.INVALID_TXN_STATE);
        assertThat(reply(new EndTxn(++requestId, "unknown", PRODUCER, (short) 0, true, 1)).error())
                .isEqualTo(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    }

    @Test
    void shouldExpireOnlyOngoingTransactionsAndReportWhatStands() {
        transactions.restore(at((short) 3, TransactionState.EMPTY));
        transactions.restore(new TransactionMetadata("old", 7, (short) 0, 1_000, TransactionState.ONGOING,
                new TreeSet<>(Set.of(OUT_0)), Map.of(), 0, 0));
        TransactionOutcome expired = transactions.apply(new ExpireTransactions(1_000_000));
        assertThat(expired.toComplete()).singleElement().extracting(TransactionMetadata::transactionalId)
                .isEqualTo("old");
        assertThat(expired.replies()).isEmpty();
        assertThat(transactions.get(ID).state()).isEqualTo(TransactionState.EMPTY);
        assertThat(transactions.all()).extracting(TransactionMetadata::transactionalId)
                .containsExactlyInAnyOrder(ID, "old");
        assertThat(transactions.snapshot()).containsExactlyInAnyOrderElementsOf(transactions.all());
    }

    @Test
    void shouldNameStatesAsKafkaDoes() {
        assertThat(TransactionState.fromKafkaName("PrepareCommit")).isEqualTo(TransactionState.PREPARE_COMMIT);
        assertThat(TransactionState.fromKafkaName("CompleteAbort")).isEqualTo(TransactionState.COMPLETE_ABORT);
        assertThat(TransactionState.fromKafkaName("Dead")).isNull();
        assertThat(TransactionState.ONGOING.kafkaName()).isEqualTo("Ongoing");
        assertThat(TransactionState.values()).filteredOn(TransactionState::isPreparing)
                .containsExactly(TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT);
    }
}
