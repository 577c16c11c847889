package dev.ferry.stream;

import java.util.concurrent.CompletionException;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.log.BatchTooLargeException;
import dev.ferry.log.InvalidBatchException;
import dev.ferry.log.LogClosedException;
import dev.ferry.log.LogException;
import dev.ferry.log.LogOffsetOutOfRangeException;

/**
 * Turns what the log throws into the {@link BrokerException} a stream caller gets, so a front maps
 * one kind of error and never sees a log exception.
 */
final class StreamErrors {
    private StreamErrors() {
    }

    static BrokerException of(ErrorCode code, String text) {
        return new BrokerException(code, text);
    }

    static BrokerException unknownPartition(String topic, int partition) {
        return new BrokerException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                "partition " + partition + " of topic '" + topic + "' does not exist");
    }

    static BrokerException unknownTopic(String topic) {
        return new BrokerException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + topic + "' does not exist");
    }

    /** The broker exception for {@code failure} (unwrapping a CompletionException), mapping log exceptions. */
    static BrokerException translate(Throwable failure, String partitionName) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof BrokerException broker) {
            return broker;
        }
        if (cause instanceof InvalidBatchException) {
            return new BrokerException(ErrorCode.CORRUPT_RECORD, cause.getMessage());
        }
        if (cause instanceof BatchTooLargeException) {
            return new BrokerException(ErrorCode.RECORD_TOO_LARGE, cause.getMessage());
        }
        if (cause instanceof LogOffsetOutOfRangeException) {
            return new BrokerException(ErrorCode.OFFSET_OUT_OF_RANGE, cause.getMessage());
        }
        if (cause instanceof LogClosedException) {
            return new BrokerException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                    "partition " + partitionName + " was closed or deleted");
        }
        if (cause instanceof LogException) {
            return new BrokerException(ErrorCode.STORAGE_ERROR, cause.getMessage());
        }
        return new BrokerException(ErrorCode.STORAGE_ERROR, "partition " + partitionName + ": " + cause);
    }
}
