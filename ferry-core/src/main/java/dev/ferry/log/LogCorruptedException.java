package dev.ferry.log;

/**
 * Thrown when a reader meets data on disk that fails validation (a batch with a bad CRC, a header
 * whose length leaves the file) after the log was opened: damage found at open is repaired and
 * listed in {@link Log#damage()} instead. The message names the offset; the damaged bytes are
 * never handed to the caller.
 */
public final class LogCorruptedException extends LogException {
    LogCorruptedException(String logName, String message) {
        super(logName, "log '" + logName + "' is corrupt: " + message, null, true);
    }
}
