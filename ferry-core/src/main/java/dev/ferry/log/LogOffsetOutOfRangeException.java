package dev.ferry.log;

/**
 * Thrown when a read or a deletion names an offset outside {@code [logStartOffset, logEndOffset]}:
 * below the start because retention deleted it, above the end because it was never written.
 */
public final class LogOffsetOutOfRangeException extends LogException {
    private final long offset;
    private final long logStartOffset;
    private final long logEndOffset;

    LogOffsetOutOfRangeException(String logName, long offset, long logStartOffset, long logEndOffset) {
        super(logName, "offset " + offset + " is out of range for log '" + logName + "': it holds ["
                + logStartOffset + ", " + logEndOffset + ")", null, false);
        this.offset = offset;
        this.logStartOffset = logStartOffset;
        this.logEndOffset = logEndOffset;
    }

    public long offset() {
        return offset;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }
}
