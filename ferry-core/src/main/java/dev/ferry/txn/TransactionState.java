package dev.ferry.txn;

/**
 * Where a transactional id's current transaction stands, with the names Kafka's
 * DescribeTransactions and ListTransactions use.
 *
 * <pre>
 *  EMPTY / COMPLETE_* --AddPartitions, AddOffsets--> ONGOING --EndTxn(commit)--> PREPARE_COMMIT --markers--> COMPLETE_COMMIT
 *                                                      |   \--EndTxn(abort), timeout, fencing--> PREPARE_ABORT --markers--> COMPLETE_ABORT
 * </pre>
 */
public enum TransactionState {
    EMPTY("Empty"),
    ONGOING("Ongoing"),
    PREPARE_COMMIT("PrepareCommit"),
    PREPARE_ABORT("PrepareAbort"),
    COMPLETE_COMMIT("CompleteCommit"),
    COMPLETE_ABORT("CompleteAbort");

    private final String kafkaName;

    TransactionState(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    /** The name on Kafka's wire and in its tools ("Ongoing", "PrepareCommit", ...). */
    public String kafkaName() {
        return kafkaName;
    }

    /** Markers are being written: the coordinator is completing the transaction. */
    public boolean isPreparing() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }

    /** The state named {@code name} as Kafka spells it, or null. */
    public static TransactionState fromKafkaName(String name) {
        for (TransactionState state : values()) {
            if (state.kafkaName.equals(name)) {
                return state;
            }
        }
        return null;
    }
}
