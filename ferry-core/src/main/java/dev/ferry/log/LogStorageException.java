package dev.ferry.log;

/**
 * Thrown when the file system fails the log (a write, an fsync, a rename). After a failed write or
 * fsync the log refuses further appends, because what reached the disk is no longer known.
 */
public final class LogStorageException extends LogException {
    LogStorageException(String logName, String message, Throwable cause) {
        super(logName, "log '" + logName + "': " + message, cause, true);
    }
}
