package dev.ferry.policy;

/**
 * A policy RabbitMQ's validation refuses. The message is RabbitMQ's text, lines as it joins them
 * (the HTTP API answers 400 with it after {@code "Validation failed\n\n"}, rabbitmqctl prints it
 * the same way and exits 69).
 */
public final class PolicyValidationException extends RuntimeException {
    public PolicyValidationException(String message) {
        super(message, null, false, false);
    }

    /** The whole reason as RabbitMQ words it: {@code Validation failed}, a blank line, the problems, a newline. */
    public String reason() {
        return "Validation failed\n\n" + getMessage() + "\n";
    }
}
