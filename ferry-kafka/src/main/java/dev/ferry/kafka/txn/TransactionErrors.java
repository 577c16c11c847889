package dev.ferry.kafka.txn;

import dev.ferry.error.ErrorCode;
import dev.ferry.kafka.api.KafkaErrors;
import dev.ferry.txn.TransactionResult;
import org.apache.kafka.common.protocol.Errors;

/** The transaction coordinator's answers in Kafka's error codes, for the version a request came in. */
final class TransactionErrors {
    private TransactionErrors() {
    }

    /**
     * {@code result}'s error; PRODUCER_FENCED becomes INVALID_PRODUCER_EPOCH below
     * {@code fencedSinceVersion}, the first version of the API that knows it (KIP-588), as Kafka answers.
     */
    static Errors of(TransactionResult result, short apiVersion, int fencedSinceVersion) {
        if (result.succeeded()) {
            return Errors.NONE;
        }
        if (result.error() == ErrorCode.PRODUCER_FENCED && apiVersion < fencedSinceVersion) {
            return Errors.INVALID_PRODUCER_EPOCH;
        }
        return KafkaErrors.of(result.error());
    }

    /** The error for a failed future (the coordinator closed, or a bug). */
    static Errors of(Throwable failure) {
        return KafkaErrors.of(failure);
    }

    /** The error for a coordinator call that completed with {@code result} or failed with {@code failure}. */
    static Errors of(TransactionResult result, Throwable failure, short apiVersion, int fencedSinceVersion) {
        return failure != null ? of(failure) : of(result, apiVersion, fencedSinceVersion);
    }
}
