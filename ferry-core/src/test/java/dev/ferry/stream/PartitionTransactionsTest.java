package dev.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The last stable offset and the aborted-transaction index at their boundaries. */
class PartitionTransactionsTest {
    private static final long PRODUCER = 7;
    private static final long OTHER = 8;

    private final PartitionTransactions transactions = new PartitionTransactions();

    @Test
    void shouldHoldTheLastStableOffsetAtTheEarliestOpenTransaction() {
        transactions.begin(PRODUCER, 5);
        transactions.begin(OTHER, 3);
        transactions.begin(PRODUCER, 9); // its transaction is already open: still from 5

        assertThat(transactions.openTransactions()).isEqualTo(Map.of(PRODUCER, 5L, OTHER, 3L));
        assertThat(transactions.lastStableOffset(10)).isEqualTo(3);
        assertThat(transactions.lastStableOffset(2)).as("never above the high watermark").isEqualTo(2);
    }

    @Test
    void shouldDecideATransactionOnlyOnceItsMarkerIsBelowTheHighWatermark() {
        transactions.begin(PRODUCER, 3);
        transactions.end(PRODUCER, 6, true, 6); // the marker at 6 is written, not yet durable

        assertThat(transactions.lastStableOffset(6)).as("marker at the high watermark: not durable").isEqualTo(3);
        assertThat(transactions.lastStableOffset(7)).as("marker below it").isEqualTo(7);
        assertThat(transactions.abortedBetween(0, 10)).as("committed").isEmpty();
    }

    @Test
    void shouldListAnAbortedTransactionForFetchesThatOverlapItsRecords() {
        transactions.begin(PRODUCER, 3);
        transactions.end(PRODUCER, 6, false, 7);
        AbortedTransaction aborted = new AbortedTransaction(PRODUCER, 3, 6);

        assertThat(transactions.abortedBetween(0, 3)).as("a fetch ending before its first record").isEmpty();
        assertThat(transactions.abortedBetween(0, 4)).containsExactly(aborted);
        assertThat(transactions.abortedBetween(6, 10)).as("a fetch starting at its marker").containsExactly(aborted);
        assertThat(transactions.abortedBetween(7, 10)).as("a fetch starting after its marker").isEmpty();
    }

    @Test
    void shouldForgetAnAbortedTransactionOnlyOnceItsMarkerIsBelowTheLogStart() {
        transactions.begin(PRODUCER, 3);
        transactions.end(PRODUCER, 6, false, 7);

        transactions.forgetBelow(6);
        assertThat(transactions.abortedBetween(0, 10)).hasSize(1);
        transactions.forgetBelow(7);
        assertThat(transactions.abortedBetween(0, 10)).isEmpty();
    }

    @Test
    void shouldIgnoreAMarkerForATransactionThatIsNotOpenHere() {
        transactions.end(PRODUCER, 4, false, 5);

        assertThat(transactions.abortedBetween(0, 10)).isEmpty();
        assertThat(transactions.lastStableOffset(10)).isEqualTo(10);
    }
}
