package dev.ferry.server.ctl;

/**
 * A command that cannot be carried out, with the text ferryctl prints after {@code Error:} and the
 * exit code rabbitmqctl uses for the same kind of failure ({@link ExitCodes}).
 */
public class CtlException extends Exception {
    private final int exitCode;
    private final boolean bare;

    public CtlException(int exitCode, String message) {
        this(exitCode, message, false);
    }

    /** {@code bare}: printed without the {@code Error:} line, as rabbitmqctl prints some refusals. */
    CtlException(int exitCode, String message, boolean bare) {
        super(message, null, false, false);
        this.exitCode = exitCode;
        this.bare = bare;
    }

    public boolean bare() {
        return bare;
    }

    public int exitCode() {
        return exitCode;
    }
}
