package dev.ferry.log;

/**
 * Thrown when data already on disk fails validation where it cannot be repaired by truncation:
 * a batch with a bad CRC met by a reader, or a damaged sealed segment found while loading. The
 * damaged bytes are never handed to the caller.
 */
public final class LogCorruptedException extends LogException {
    LogCorruptedException(String logName, String message) {
        super(logName, "log '" + logName + "' is corrupt: " + message, null, true);
    }
}
