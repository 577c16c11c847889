package dev.ferry.error;

/**
 * Why the broker refused an operation. The numbers are AMQP 0-9-1's reply codes, which RabbitMQ's
 * clients show to users and which other fronts (Kafka) map to their own error codes.
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
    FRAME_ERROR(501, true),
    SYNTAX_ERROR(502, true),
    COMMAND_INVALID(503, true),
    CHANNEL_ERROR(504, true),
    UNEXPECTED_FRAME(505, true),
    RESOURCE_ERROR(506, true),
    NOT_ALLOWED(530, true),
    NOT_IMPLEMENTED(540, true),
    INTERNAL_ERROR(541, true);

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
