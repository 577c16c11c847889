package dev.ferry.log;

/**
 * Thrown when the file system fails the log (a write, an fsync, a rename). A failed write fails
 * only its own append; after a failed fsync the log refuses further appends until it is reopened,
 * because what reached the disk is no longer known (see {@link Log}, "When the disk fails").
 */
public final class LogStorageException extends LogException {
    LogStorageException(String logName, String message, Throwable cause) {
        super(logName, "log '" + logName + "': " + message, cause, true);
    }
}
