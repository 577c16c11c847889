package dev.ferry.stream;

import dev.ferry.error.ErrorCode;
import java.util.concurrent.CompletionStage;

/**
 * Asks the transaction coordinator whether a producer's ongoing transaction holds the partition
 * being written (KIP-890's broker verification): a transactional batch that opens a transaction
 * on a partition is appended only then, so a producer that never added the partition (a bug, a
 * zombie, a hostile client) cannot leave a transaction open there that no marker will ever close,
 * which would hold the last stable offset, and every read_committed consumer, in place for good.
 */
@FunctionalInterface
public interface TransactionVerifier {
    /**
     * @return completes with null when the partition is in {@code producerId}'s ongoing transaction
     *     at {@code producerEpoch}, else with the refusal (INVALID_TXN_STATE, INVALID_PRODUCER_EPOCH,
     *     INVALID_PRODUCER_ID_MAPPING)
     */
    CompletionStage<ErrorCode> verify(long producerId, short producerEpoch);
}
