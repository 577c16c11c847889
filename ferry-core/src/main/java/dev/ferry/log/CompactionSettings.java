package dev.ferry.log;

/**
 * What the {@link LogCleaner} needs to know to compact one log, under Kafka's topic config names.
 *
 * @param deleteRetentionMs {@code delete.retention.ms}: a tombstone (a record with a key and no
 *     value) is removed once its timestamp is this much older than the cleaning; until then a
 *     reader catching up still sees the deletion
 * @param minCleanableDirtyRatio {@code min.cleanable.dirty.ratio}: a log is cleaned only when the
 *     bytes written since its last cleaning are at least this share of its cleanable bytes
 * @param minCompactionLagMs {@code min.compaction.lag.ms}: a segment holding a record younger
 *     than this is not cleaned yet, so every update stays readable for at least this long
 */
public record CompactionSettings(long deleteRetentionMs, double minCleanableDirtyRatio, long minCompactionLagMs) {
    /** Kafka 4's defaults: one day, 0.5, no lag. */
    public static final CompactionSettings DEFAULTS = new CompactionSettings(86_400_000L, 0.5, 0);
}
