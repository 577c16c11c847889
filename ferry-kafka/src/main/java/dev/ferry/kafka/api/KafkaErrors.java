package dev.ferry.kafka.api;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ferry's refusals ({@link ErrorCode}, carried by {@link BrokerException}) in Kafka's error codes.
 * Anything that is not a refusal is the broker's own failure: UNKNOWN_SERVER_ERROR, logged once
 * with its stack trace because it is a bug or a storage fault, not the client's doing.
 */
public final class KafkaErrors {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaErrors.class);

    private KafkaErrors() {
    }

    /** Kafka's error for {@code code}. */
    public static Errors of(ErrorCode code) {
        return switch (code) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_FOUND -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
            case OFFSET_OUT_OF_RANGE -> Errors.OFFSET_OUT_OF_RANGE;
            case CORRUPT_RECORD -> Errors.CORRUPT_MESSAGE;
            case INVALID_RECORD -> Errors.INVALID_RECORD;
            case RECORD_TOO_LARGE, CONTENT_TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
            case INVALID_TIMESTAMP -> Errors.INVALID_TIMESTAMP;
            case OUT_OF_ORDER_SEQUENCE -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case DUPLICATE_SEQUENCE -> Errors.DUPLICATE_SEQUENCE_NUMBER;
            case INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            case PRODUCER_FENCED -> Errors.PRODUCER_FENCED;
            case UNKNOWN_PRODUCER_ID -> Errors.UNKNOWN_PRODUCER_ID;
            case CONCURRENT_TRANSACTIONS -> Errors.CONCURRENT_TRANSACTIONS;
            case INVALID_TXN_STATE -> Errors.INVALID_TXN_STATE;
            case INVALID_TRANSACTION_TIMEOUT -> Errors.INVALID_TRANSACTION_TIMEOUT;
            case INVALID_PRODUCER_ID_MAPPING -> Errors.INVALID_PRODUCER_ID_MAPPING;
            case TRANSACTIONAL_ID_NOT_FOUND -> Errors.TRANSACTIONAL_ID_NOT_FOUND;
            case COORDINATOR_NOT_AVAILABLE -> Errors.COORDINATOR_NOT_AVAILABLE;
            case TOPIC_ALREADY_EXISTS -> Errors.TOPIC_ALREADY_EXISTS;
            case INVALID_TOPIC -> Errors.INVALID_TOPIC_EXCEPTION;
            case INVALID_PARTITIONS -> Errors.INVALID_PARTITIONS;
            case INVALID_CONFIG -> Errors.INVALID_CONFIG;
            case STORAGE_ERROR -> Errors.KAFKA_STORAGE_ERROR;
            case ACCESS_REFUSED -> Errors.TOPIC_AUTHORIZATION_FAILED;
            case PRECONDITION_FAILED -> Errors.INVALID_REQUEST;
            default -> Errors.UNKNOWN_SERVER_ERROR;
        };
    }

    /** The Kafka error for a failure; unwraps the completion wrappers futures add. */
    public static Errors of(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof BrokerException refused) {
            return of(refused.errorCode());
        }
        LOG.error("Kafka request failed inside the broker", cause);
        return Errors.UNKNOWN_SERVER_ERROR;
    }

    /** The text to send with the error: Ferry's own for a refusal, nothing for an internal failure. */
    public static String message(Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause instanceof BrokerException ? cause.getMessage() : null;
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
