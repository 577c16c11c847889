package dev.ferry.server.ctl;

/**
 * A command line that names a command but gives it arguments it cannot take: printed as
 * rabbitmqctl's "Error (argument validation)" with the command's usage, exit code 64.
 */
final class UsageException extends RuntimeException {
    private final String detail;

    UsageException(String message, String detail) {
        super(message, null, false, false);
        this.detail = detail;
    }

    String detail() {
        return detail;
    }
}
