package dev.ferry.http;

import dev.ferry.error.BrokerException;

/**
 * A refusal the API answers with RabbitMQ's error document {@code {"error": ..., "reason": ...}}
 * and an HTTP status. The client's request ends there; the connection stays open.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String error;

    public ApiException(int status, String error, String reason) {
        super(reason, null, false, false);
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public String reason() {
        return getMessage();
    }

    /** RabbitMQ's answer for a path, object or virtual host that does not exist. */
    public static ApiException notFound() {
        return new ApiException(404, "Object Not Found", "Not Found");
    }

    /** RabbitMQ's 404 for an operation on something missing: {@code not_found} with a reason naming it. */
    public static ApiException notFound(String reason) {
        return new ApiException(404, "not_found", reason);
    }

    public static ApiException badRequest(String reason) {
        return new ApiException(400, "bad_request", reason);
    }

    /** A user who may not do or see this (RabbitMQ answers 401 with "not_authorised", British spelling). */
    public static ApiException notAuthorised(String reason) {
        return new ApiException(401, "not_authorised", reason);
    }

    /** As RabbitMQ: 405 with no body. */
    public static ApiException methodNotAllowed() {
        return new ApiException(405, null, null);
    }

    /**
     * How RabbitMQ's management API reports a core refusal: 404 for what is missing, 401 for what
     * is refused (403 ACCESS_REFUSED), 400 with the AMQP text minus its {@code "CODE - "} prefix for
     * the rest (an inequivalent redeclaration, an invalid argument).
     */
    public static ApiException from(BrokerException refusal) {
        String text = refusal.getMessage();
        int separator = text == null ? -1 : text.indexOf(" - ");
        String reason = separator > 0 && text.substring(0, separator).chars().allMatch(
                c -> Character.isUpperCase(c) || c == '_') ? text.substring(separator + 3) : String.valueOf(text);
        return switch (refusal.errorCode()) {
            case NOT_FOUND -> notFound();
            case ACCESS_REFUSED -> notAuthorised("Access refused.");
            default -> badRequest(reason);
        };
    }
}
