package dev.ferry.kafka.group;

import org.apache.kafka.common.protocol.Errors;

import dev.ferry.error.ErrorCode;

/** Maps the group coordinator's errors (Ferry's {@link ErrorCode}, null for none) to Kafka's. */
public final class GroupErrors {
    private GroupErrors() {
    }

    public static Errors toKafka(ErrorCode error) {
        if (error == null) {
            return Errors.NONE;
        }
        return switch (error) {
            case UNKNOWN_MEMBER_ID -> Errors.UNKNOWN_MEMBER_ID;
            case ILLEGAL_GENERATION -> Errors.ILLEGAL_GENERATION;
            case REBALANCE_IN_PROGRESS -> Errors.REBALANCE_IN_PROGRESS;
            case MEMBER_ID_REQUIRED -> Errors.MEMBER_ID_REQUIRED;
            case FENCED_INSTANCE_ID -> Errors.FENCED_INSTANCE_ID;
            case INCONSISTENT_GROUP_PROTOCOL -> Errors.INCONSISTENT_GROUP_PROTOCOL;
            case INVALID_GROUP_ID -> Errors.INVALID_GROUP_ID;
            case INVALID_SESSION_TIMEOUT -> Errors.INVALID_SESSION_TIMEOUT;
            case GROUP_ID_NOT_FOUND -> Errors.GROUP_ID_NOT_FOUND;
            case NON_EMPTY_GROUP -> Errors.NON_EMPTY_GROUP;
            case GROUP_SUBSCRIBED_TO_TOPIC -> Errors.GROUP_SUBSCRIBED_TO_TOPIC;
            case OFFSET_METADATA_TOO_LARGE -> Errors.OFFSET_METADATA_TOO_LARGE;
            case COORDINATOR_NOT_AVAILABLE -> Errors.COORDINATOR_NOT_AVAILABLE;
            case FENCED_MEMBER_EPOCH -> Errors.FENCED_MEMBER_EPOCH;
            case STALE_MEMBER_EPOCH -> Errors.STALE_MEMBER_EPOCH;
            case UNSUPPORTED_ASSIGNOR -> Errors.UNSUPPORTED_ASSIGNOR;
            case UNSUPPORTED_COMMIT_VERSION -> Errors.UNSUPPORTED_VERSION;
            case UNRELEASED_INSTANCE_ID -> Errors.UNRELEASED_INSTANCE_ID;
            case INVALID_REGULAR_EXPRESSION -> Errors.INVALID_REGULAR_EXPRESSION;
            case INVALID_GROUP_REQUEST -> Errors.INVALID_REQUEST;
            case GROUP_MAX_SIZE_REACHED -> Errors.GROUP_MAX_SIZE_REACHED;
            default -> Errors.UNKNOWN_SERVER_ERROR;
        };
    }

    static short code(ErrorCode error) {
        return toKafka(error).code();
    }
}
