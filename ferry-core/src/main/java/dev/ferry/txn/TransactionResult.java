package dev.ferry.txn;

import dev.ferry.error.ErrorCode;

/**
 * The coordinator's answer to one request: an error code (null when it succeeded) and, for
 * InitProducerId, the producer id and epoch the producer now holds.
 */
public record TransactionResult(ErrorCode error, long producerId, short producerEpoch) {
    static final TransactionResult OK = new TransactionResult(null, -1, (short) -1);

    static TransactionResult failed(ErrorCode error) {
        return new TransactionResult(error, -1, (short) -1);
    }

    public boolean succeeded() {
        return error == null;
    }
}
