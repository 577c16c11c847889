package dev.ferry.server.ctl;

/**
 * A command that cannot be carried out, with the text ferryctl prints after {@code Error:} and the
 * exit code rabbitmqctl uses for the same kind of failure ({@link ExitCodes}).
 */
class CtlException extends Exception {
    private final int exitCode;

    CtlException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
