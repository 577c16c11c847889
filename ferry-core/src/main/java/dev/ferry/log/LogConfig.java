package dev.ferry.log;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;

/**
 * The settings of one {@link Log}: set what differs from the defaults, then {@link #conclude()}
 * checks every value once, before any file is opened, and names each wrong one.
 *
 * <p>Not thread-safe while being set; after {@code conclude()} it is read-only in practice and may
 * be shared by any number of logs.
 */
public final class LogConfig {
    /** The smallest segment we accept: below this, a roll per handful of records is a mistake. */
    public static final int SEGMENT_BYTES_MIN = 1024;

    private int segmentBytesMax = 128 * 1024 * 1024;
    private int batchBytesMax = 1024 * 1024;
    private int indexIntervalBytes = 4096;
    private FsyncPolicy fsyncPolicy = FsyncPolicy.ALWAYS;
    private long flushIntervalMs = 1000;
    private long retentionMs = -1;
    private long retentionBytes = -1;
    private long segmentDeleteDelayMs = 60_000;
    private boolean validateSegmentsAtOpen = true;

    /** A segment is sealed and a new one started when the next append would pass this size. */
    public LogConfig segmentBytesMax(int segmentBytesMax) {
        this.segmentBytesMax = segmentBytesMax;
        return this;
    }

    public int segmentBytesMax() {
        return segmentBytesMax;
    }

    /** The largest single append (one batch, or the whole set given to appendBatch). */
    public LogConfig batchBytesMax(int batchBytesMax) {
        this.batchBytesMax = batchBytesMax;
        return this;
    }

    public int batchBytesMax() {
        return batchBytesMax;
    }

    /** Bytes of log between two offset index entries: smaller finds faster, costs more memory. */
    public LogConfig indexIntervalBytes(int indexIntervalBytes) {
        this.indexIntervalBytes = indexIntervalBytes;
        return this;
    }

    public int indexIntervalBytes() {
        return indexIntervalBytes;
    }

    public LogConfig fsyncPolicy(FsyncPolicy fsyncPolicy) {
        this.fsyncPolicy = fsyncPolicy;
        return this;
    }

    public FsyncPolicy fsyncPolicy() {
        return fsyncPolicy;
    }

    /** How often the flusher fsyncs under {@link FsyncPolicy#INTERVAL}; ignored otherwise. */
    public LogConfig flushIntervalMs(long flushIntervalMs) {
        this.flushIntervalMs = flushIntervalMs;
        return this;
    }

    public long flushIntervalMs() {
        return flushIntervalMs;
    }

    /** Sealed segments whose newest record is older than this are deleted by retention; -1 keeps them. */
    public LogConfig retentionMs(long retentionMs) {
        this.retentionMs = retentionMs;
        return this;
    }

    public long retentionMs() {
        return retentionMs;
    }

    /** Retention deletes the oldest sealed segments while at least this many bytes remain; -1 keeps all. */
    public LogConfig retentionBytes(long retentionBytes) {
        this.retentionBytes = retentionBytes;
        return this;
    }

    public long retentionBytes() {
        return retentionBytes;
    }

    /**
     * How long the file handles of a deleted segment stay open, so a reader that found the segment
     * just before its deletion can still finish sending from it.
     */
    public LogConfig segmentDeleteDelayMs(long segmentDeleteDelayMs) {
        this.segmentDeleteDelayMs = segmentDeleteDelayMs;
        return this;
    }

    public long segmentDeleteDelayMs() {
        return segmentDeleteDelayMs;
    }

    /**
     * Whether opening the log validates every batch of every segment (length, header, offsets,
     * CRC32C), repairing damage as {@link LogLoader} describes. On by default: a queue reads its
     * whole log at start anyway, and damage found at open costs at most the damaged bytes. Off,
     * only the newest segment is validated (a crash can tear only its tail) and sealed segments
     * are trusted with their index files; damage there is found by readers
     * ({@link LogCorruptedException}), for a layer that keeps its own recovery point.
     */
    public LogConfig validateSegmentsAtOpen(boolean validateSegmentsAtOpen) {
        this.validateSegmentsAtOpen = validateSegmentsAtOpen;
        return this;
    }

    public boolean validateSegmentsAtOpen() {
        return validateSegmentsAtOpen;
    }

    /**
     * Checks every value and throws one {@link InvalidLogConfigException} naming all wrong ones.
     * Calling it again is harmless.
     *
     * @return this, for chaining
     */
    public LogConfig conclude() {
        List<String> problems = new ArrayList<>();
        if (segmentBytesMax < SEGMENT_BYTES_MIN) {
            problems.add("segmentBytesMax=" + segmentBytesMax + ": must be at least " + SEGMENT_BYTES_MIN);
        }
        if (batchBytesMax < DefaultRecordBatch.RECORD_BATCH_OVERHEAD) {
            problems.add("batchBytesMax=" + batchBytesMax + ": must be at least "
                    + DefaultRecordBatch.RECORD_BATCH_OVERHEAD + " (one empty batch header)");
        } else if (batchBytesMax > segmentBytesMax) {
            problems.add("batchBytesMax=" + batchBytesMax + ": must not exceed segmentBytesMax="
                    + segmentBytesMax + ", or a maximal batch would fit in no segment");
        }
        if (indexIntervalBytes < 0) {
            problems.add("indexIntervalBytes=" + indexIntervalBytes + ": must be 0 or more");
        }
        if (fsyncPolicy == null) {
            problems.add("fsyncPolicy=null: choose ALWAYS, INTERVAL or NEVER");
        }
        if (fsyncPolicy == FsyncPolicy.INTERVAL && flushIntervalMs <= 0) {
            problems.add("flushIntervalMs=" + flushIntervalMs + ": must be positive with fsyncPolicy=INTERVAL");
        }
        if (retentionMs != -1 && retentionMs <= 0) {
            problems.add("retentionMs=" + retentionMs + ": must be positive, or -1 to keep everything");
        }
        if (retentionBytes != -1 && retentionBytes <= 0) {
            problems.add("retentionBytes=" + retentionBytes + ": must be positive, or -1 to keep everything");
        }
        if (segmentDeleteDelayMs < 0) {
            problems.add("segmentDeleteDelayMs=" + segmentDeleteDelayMs + ": must be 0 or more");
        }
        if (!problems.isEmpty()) {
            throw new InvalidLogConfigException(problems);
        }
        return this;
    }

    @Override
    public String toString() {
        return "LogConfig{segmentBytesMax=" + segmentBytesMax + ", batchBytesMax=" + batchBytesMax
                + ", indexIntervalBytes=" + indexIntervalBytes + ", fsyncPolicy=" + fsyncPolicy
                + ", flushIntervalMs=" + flushIntervalMs + ", retentionMs=" + retentionMs
                + ", retentionBytes=" + retentionBytes + ", segmentDeleteDelayMs=" + segmentDeleteDelayMs
                + ", validateSegmentsAtOpen=" + validateSegmentsAtOpen + '}';
    }
}
