package dev.ferry.http;

import java.util.function.LongConsumer;

/**
 * How long the log's group-commit syncs take lately, for {@code /api/nodes}: a moving average
 * (each sync weighs a fifth) and the count. Fed by the log flusher once per sync (a batch of
 * appends, not a message), so one lock per sync costs nothing worth measuring.
 */
public final class SyncLatency implements LongConsumer {
    private static final double WEIGHT = 0.2;
    private double averageNanos = Double.NaN;
    private long syncs;

    @Override
    public synchronized void accept(long nanos) {
        averageNanos = Double.isNaN(averageNanos) ? nanos : averageNanos + WEIGHT * (nanos - averageNanos);
        syncs++;
    }

    /** The moving average in milliseconds, or NaN before the first sync. */
    public synchronized double averageMillis() {
        return averageNanos / 1_000_000.0;
    }

    public synchronized long syncs() {
        return syncs;
    }
}
