package dev.ferry.log;

/**
 * When a {@link Log} forces appended data to disk, and therefore when an append's future completes.
 *
 * <p>The policy is chosen per log: a durable queue wants {@link #ALWAYS}, a transient queue
 * {@link #NEVER}, a stream with a bounded loss window {@link #INTERVAL}.
 */
public enum FsyncPolicy {
    /**
     * Group commit: a flusher thread fsyncs as soon as appends are waiting, and one fsync covers
     * every append written before it started. An append's future completes only after the fsync
     * that covers it, so a confirm sent from the future is a promise that survives a power cut.
     */
    ALWAYS,
    /**
     * The flusher fsyncs every {@link LogConfig#flushIntervalMs()} if anything was written. An
     * append's future completes as soon as the write reaches the operating system; a crash of the
     * machine (not of the process) can lose up to one interval of acknowledged appends.
     */
    INTERVAL,
    /**
     * No fsync except when a segment is sealed and when the log is closed. For transient data: a
     * crash of the machine can lose everything not yet written back by the operating system.
     */
    NEVER
}
