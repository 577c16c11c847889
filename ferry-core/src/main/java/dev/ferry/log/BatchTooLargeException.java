package dev.ferry.log;

/**
 * Thrown when one append is larger than {@link LogConfig#batchBytesMax()}. Nothing of the append
 * reaches the disk: the size is checked before anything is written.
 */
public final class BatchTooLargeException extends LogException {
    private final long batchBytes;
    private final int batchBytesMax;

    BatchTooLargeException(String logName, long batchBytes, int batchBytesMax) {
        super(logName, "append of " + batchBytes + " bytes to log '" + logName
                + "' exceeds batchBytesMax=" + batchBytesMax, null, false);
        this.batchBytes = batchBytes;
        this.batchBytesMax = batchBytesMax;
    }

    public long batchBytes() {
        return batchBytes;
    }

    public int batchBytesMax() {
        return batchBytesMax;
    }
}
