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
