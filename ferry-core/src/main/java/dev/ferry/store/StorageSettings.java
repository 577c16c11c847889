package dev.ferry.store;

import java.util.Objects;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;

/**
 * How the broker keeps durable data.
 *
 * @param queueFsync              when queue logs are fsynced: {@code ALWAYS} (the default; a confirm
 *                                follows the fsync that covers the message), {@code INTERVAL}
 *                                (every {@code fsyncIntervalMs}), {@code NEVER}. The metadata log
 *                                and ack checkpoints are always fsynced.
 * @param fsyncIntervalMs         the period under {@code INTERVAL}
 * @param ackCheckpointIntervalMs how often each durable queue's settled offsets are checkpointed;
 *                                after a crash at most this much of acks is redelivered
 * @param queueSegmentBytes       segment size of queue logs; a drained queue gives back whole segments
 * @param paging                  how much of each queue's ready messages stays in memory
 * @param openFilesMax            the most segment files of all logs (every queue's and the
 *                                metadata's) kept open at once: the capacity of the broker's one
 *                                {@link FileHandleCache}; at least {@link FileHandleCache#CAPACITY_MIN}
 */
public record StorageSettings(FsyncPolicy queueFsync, long fsyncIntervalMs, long ackCheckpointIntervalMs,
                              int queueSegmentBytes, PagingLimits paging, int openFilesMax) {

    public static final StorageSettings DEFAULTS = new StorageSettings(FsyncPolicy.ALWAYS, 1000, 1000, 64 * 1024 * 1024,
            PagingLimits.DEFAULTS);

    public StorageSettings {
        Objects.requireNonNull(queueFsync, "queueFsync");
        Objects.requireNonNull(paging, "paging");
        if (fsyncIntervalMs <= 0 || ackCheckpointIntervalMs <= 0) {
            throw new IllegalArgumentException("intervals must be positive: " + fsyncIntervalMs + ", "
                    + ackCheckpointIntervalMs);
        }
        if (openFilesMax < FileHandleCache.CAPACITY_MIN) {
            throw new IllegalArgumentException("openFilesMax must be at least " + FileHandleCache.CAPACITY_MIN + ": "
                    + openFilesMax);
        }
    }

    /** With {@link FileHandleCache#defaultCapacity()} open files: half the process's descriptor limit. */
    public StorageSettings(FsyncPolicy queueFsync, long fsyncIntervalMs, long ackCheckpointIntervalMs,
                           int queueSegmentBytes, PagingLimits paging) {
        this(queueFsync, fsyncIntervalMs, ackCheckpointIntervalMs, queueSegmentBytes, paging,
                FileHandleCache.defaultCapacity());
    }
}
