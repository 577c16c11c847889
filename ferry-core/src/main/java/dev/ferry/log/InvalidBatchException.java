package dev.ferry.log;

/**
 * Thrown when an append's input is not a well-formed RecordBatch v2 set (wrong magic, bad CRC, a
 * trailing partial batch, no records). The whole append is refused before anything is written.
 */
public final class InvalidBatchException extends LogException {
    InvalidBatchException(String logName, String reason) {
        super(logName, "invalid batch for log '" + logName + "': " + reason, null, false);
    }
}
