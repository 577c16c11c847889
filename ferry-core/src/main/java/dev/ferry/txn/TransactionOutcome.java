package dev.ferry.txn;

import java.util.ArrayList;
import java.util.List;

/**
 * What applying one command produced: answers to requests, the records to make durable before
 * they are sent, and the transactions whose markers must now be written (those that entered
 * PREPARE_COMMIT or PREPARE_ABORT). The owner writes the records first, then sends the replies
 * and starts the markers, so nothing is answered or written that a crash could take back.
 */
public record TransactionOutcome(List<Reply> replies, List<TransactionMetadata> records,
                                 List<TransactionMetadata> toComplete) {
    public TransactionOutcome {
        replies = List.copyOf(replies);
        records = List.copyOf(records);
        toComplete = List.copyOf(toComplete);
    }

    /** The answer to the request the caller numbered {@code requestId}. */
    public record Reply(long requestId, TransactionResult result) {
    }

    static final class Builder {
        private final List<Reply> replies = new ArrayList<>();
        private final List<TransactionMetadata> records = new ArrayList<>();
        private final List<TransactionMetadata> toComplete = new ArrayList<>();

        void reply(long requestId, TransactionResult result) {
            replies.add(new Reply(requestId, result));
        }

        void record(TransactionMetadata metadata) {
            records.add(metadata);
            if (metadata.state().isPreparing()) {
                toComplete.add(metadata);
            }
        }

        TransactionOutcome build() {
            return new TransactionOutcome(replies, records, toComplete);
        }
    }
}
