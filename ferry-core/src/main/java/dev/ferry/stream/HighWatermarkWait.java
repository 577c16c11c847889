package dev.ferry.stream;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A reader parked on a partition until its high watermark passes an offset (a long-polling Fetch).
 * Runs its wake-up at most once: when the high watermark moves past {@link #offset()}, when the
 * partition closes or is deleted, or never if {@link #cancel() cancelled} first (the Fetch's
 * {@code max.wait.ms} ran out). {@link TopicRegistry#whenPartitionCountAbove} uses the same wait for
 * a topic's partition count.
 */
public final class HighWatermarkWait {
    private final long offset;
    private final Runnable wake;
    private final AtomicBoolean done = new AtomicBoolean();

    HighWatermarkWait(long offset, Runnable wake) {
        this.offset = offset;
        this.wake = wake;
    }

    /** The wait ends once the high watermark is above this offset. */
    public long offset() {
        return offset;
    }

    /**
     * Withdraws the wait; returns whether it was still pending (false: the wake-up ran or is running).
     */
    public boolean cancel() {
        return done.compareAndSet(false, true);
    }

    boolean isDone() {
        return done.get();
    }

    /** Runs the wake-up unless it ran or was cancelled; returns whether it ran now. */
    boolean fire() {
        if (!done.compareAndSet(false, true)) {
            return false;
        }
        wake.run();
        return true;
    }
}
