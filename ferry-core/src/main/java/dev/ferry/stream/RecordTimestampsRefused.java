package dev.ferry.stream;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import java.util.List;

/**
 * A batch refused because records in it carry timestamps outside the topic's window
 * ({@code message.timestamp.before.max.ms} / {@code after.max.ms} around the broker's clock): the
 * whole batch is refused, and each offending record is named by its index in the batch, so that a
 * producer can tell its callers which records were at fault (Kafka's {@code record_errors}).
 */
public final class RecordTimestampsRefused extends BrokerException {
    private final List<RefusedRecord> records;

    RecordTimestampsRefused(List<RefusedRecord> records) {
        super(ErrorCode.INVALID_TIMESTAMP, "One or more records have been rejected due to invalid timestamp");
        this.records = List.copyOf(records);
    }

    /** The records at fault, in batch order. */
    public List<RefusedRecord> records() {
        return records;
    }

    /** One record at fault: its index in the batch and why. */
    public record RefusedRecord(int batchIndex, String message) {
    }
}
