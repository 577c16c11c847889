package dev.ferry.log;

/** Thrown by any operation on a {@link Log} after {@link Log#close()} has started. */
public final class LogClosedException extends LogException {
    LogClosedException(String logName, String operation) {
        super(logName, "log '" + logName + "' is closed; cannot " + operation, null, false);
    }
}
