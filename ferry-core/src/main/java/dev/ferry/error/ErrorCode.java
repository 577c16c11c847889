package dev.ferry.error;

/**
 * Why the broker refused an operation. The numbers are AMQP 0-9-1's reply codes, which RabbitMQ's
 * clients show to users and which other fronts (Kafka) map to their own error codes.
 *
 * <p>The stream values (from {@code UNKNOWN_TOPIC_OR_PARTITION} on) are Kafka's refusals in Ferry's
 * words: the Kafka front maps each to Kafka's error code, and their AMQP code is the nearest reply
 * code for the day an AMQP stream consumer meets one (404 for what does not exist, 406 for a
 * request the state refuses, 311 for size, 541 for storage).
 *
 * <p>A <em>channel</em> error ends only the channel (or the single request) that caused it; a
 * <em>connection</em> error ends the whole connection, as the AMQP specification assigns them.
 */
public enum ErrorCode {
    CONTENT_TOO_LARGE(311, false),
    NO_ROUTE(312, false),
    NO_CONSUMERS(313, false),
    CONNECTION_FORCED(320, true),
    INVALID_PATH(402, true),
    ACCESS_REFUSED(403, false),
    NOT_FOUND(404, false),
    RESOURCE_LOCKED(405, false),
    PRECONDITION_FAILED(406, false),
    // Consumer groups (dev.ferry.group). Kafka's names; the numbers are the AMQP codes nearest in
    // meaning, for a front that has nothing better (the Kafka front maps each name to its own code).
    /** The member is not (or no longer) in the group. */
    UNKNOWN_MEMBER_ID(404, false),
    /** The member's generation is not the group's current one: it missed a rebalance. */
    ILLEGAL_GENERATION(406, false),
    /** The group is rebalancing: the member must join again. */
    REBALANCE_IN_PROGRESS(406, false),
    /** A new member must join again with the member id this answer carries. */
    MEMBER_ID_REQUIRED(406, false),
    /** Another member joined with this member's static group.instance.id and replaced it (KIP-345). */
    FENCED_INSTANCE_ID(406, false),
    /** The member's protocol type or protocols do not match the group's. */
    INCONSISTENT_GROUP_PROTOCOL(406, false),
    /** The group id is empty or otherwise unusable. */
    INVALID_GROUP_ID(406, false),
    /** The session timeout is outside the bounds the broker allows. */
    INVALID_SESSION_TIMEOUT(406, false),
    /** No such group (or it is being deleted). */
    GROUP_ID_NOT_FOUND(404, false),
    /** The group still has members, so it (or its offsets) cannot be deleted. */
    NON_EMPTY_GROUP(406, false),
    /** The group's members are subscribed to the topic whose offsets were to be deleted. */
    GROUP_SUBSCRIBED_TO_TOPIC(406, false),
    /** The offset metadata string is longer than the broker keeps. */
    OFFSET_METADATA_TOO_LARGE(406, false),
    /** The group is being removed; the client should look the coordinator up again. */
    COORDINATOR_NOT_AVAILABLE(541, false),
    /** Consumer protocol (KIP-848): the member's epoch is ahead of, or too far behind, the broker's; it must rejoin. */
    FENCED_MEMBER_EPOCH(406, false),
    /** Consumer protocol: an offset commit or fetch at an older member epoch than the member's current one. */
    STALE_MEMBER_EPOCH(406, false),
    /** Consumer protocol: a static member joined with an instance id another live member still holds. */
    UNRELEASED_INSTANCE_ID(406, false),
    /** Consumer protocol: the member asked for a server-side assignor the broker does not have. */
    UNSUPPORTED_ASSIGNOR(406, false),
    /** Consumer protocol: an offset commit in a request version that carries no member epoch (Kafka's OffsetCommit below v9). */
    UNSUPPORTED_COMMIT_VERSION(406, false),
    /** Consumer protocol: a subscription pattern that is not a valid regular expression. */
    INVALID_REGULAR_EXPRESSION(406, false),
    /** Consumer protocol: a heartbeat whose fields contradict each other (Kafka's INVALID_REQUEST). */
    INVALID_GROUP_REQUEST(406, false),
    /** The group has as many members as the broker allows (group.max.size, group.consumer.max.size). */
    GROUP_MAX_SIZE_REACHED(406, false),
    FRAME_ERROR(501, true),
    SYNTAX_ERROR(502, true),
    COMMAND_INVALID(503, true),
    CHANNEL_ERROR(504, true),
    UNEXPECTED_FRAME(505, true),
    RESOURCE_ERROR(506, true),
    NOT_ALLOWED(530, true),
    NOT_IMPLEMENTED(540, true),
    INTERNAL_ERROR(541, true),

    // Streams (the Kafka model). Each refuses one request (one partition of it), never a connection.
    /** No such topic, or no such partition in it. */
    UNKNOWN_TOPIC_OR_PARTITION(404, false),
    /** A read or deletion at an offset outside the partition's [log start, high watermark]. */
    OFFSET_OUT_OF_RANGE(406, false),
    /** A batch that fails its CRC or its header checks: refused, never stored. */
    CORRUPT_RECORD(406, false),
    /** A well-formed batch the partition does not take (more than one batch, transactional, control). */
    INVALID_RECORD(406, false),
    /** A batch larger than the topic's {@code max.message.bytes}. */
    RECORD_TOO_LARGE(311, false),
    /** A timestamp outside the topic's {@code message.timestamp.before/after.max.ms} window. */
    INVALID_TIMESTAMP(406, false),
    /** An idempotent producer's batch whose sequence does not follow the last one stored. */
    OUT_OF_ORDER_SEQUENCE(406, false),
    /** A retried batch older than the ones the partition still remembers. */
    DUPLICATE_SEQUENCE(406, false),
    /** A producer epoch older than the one the partition has seen for that producer id. */
    INVALID_PRODUCER_EPOCH(406, false),
    /** A producer id that a newer instance took over (its epoch was bumped by InitProducerId). */
    PRODUCER_FENCED(406, false),
    /** A producer id the partition has no state for, with a sequence that is not a first one. */
    UNKNOWN_PRODUCER_ID(406, false),
    /** A transactional request while the transaction coordinator is still completing the previous transaction (retriable). */
    CONCURRENT_TRANSACTIONS(406, false),
    /** A transactional request the transaction's state does not allow (commit of an aborting one, ...). */
    INVALID_TXN_STATE(406, false),
    /** A transaction timeout outside (0, transaction.max.timeout.ms]. */
    INVALID_TRANSACTION_TIMEOUT(406, false),
    /** A producer id that is not the one the transactional id holds. */
    INVALID_PRODUCER_ID_MAPPING(406, false),
    /** DescribeTransactions of a transactional id the coordinator does not know. */
    TRANSACTIONAL_ID_NOT_FOUND(404, false),
    TOPIC_ALREADY_EXISTS(406, false),
    /** A topic name Kafka's rules refuse (empty, too long, characters outside [a-zA-Z0-9._-]). */
    INVALID_TOPIC(406, false),
    /** A partition count that is not positive, or a CreatePartitions that does not add any. */
    INVALID_PARTITIONS(406, false),
    /** An unknown topic config name, or a value it does not take. */
    INVALID_CONFIG(406, false),
    /** The partition's log failed (a failed fsync) or its files cannot be written. */
    STORAGE_ERROR(541, false);

    private final int code;
    private final boolean connectionError;

    ErrorCode(int code, boolean connectionError) {
        this.code = code;
        this.connectionError = connectionError;
    }

    /** The AMQP reply code. */
    public int code() {
        return code;
    }

    /** Whether this error ends the connection rather than only the channel. */
    public boolean isConnectionError() {
        return connectionError;
    }
}
