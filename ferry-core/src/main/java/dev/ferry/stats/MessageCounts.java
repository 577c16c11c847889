package dev.ferry.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Message counters with one writer: a queue's owner thread increments plain fields, no lock and
 * no fence per message. Other threads see what the writer published when it was done with a batch
 * ({@link #publish()}): release stores of the counters that changed into a second array,
 * allocation-free and, on x86, as cheap as plain stores; readers load each counter with acquire
 * semantics. So readers lag the writer by at most one batch, and each counter they see is one the
 * writer had (the set of them is not one instant, which monotonic counters do not need).
 *
 * <p>Design note: a queue drained on every command (a quiet queue, or a benchmark on a direct
 * executor) publishes once per message, so publishing copies only the counters marked changed
 * (a bit each) rather than all of them.
 */
public final class MessageCounts {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        assert MessageCounter.count() <= Integer.SIZE : "one bit per counter in MessageCounts.changed";
    }

    private final long[] counts = new long[MessageCounter.count()];
    private final long[] published = new long[MessageCounter.count()];
    // Bit i set: counter i changed since the last publish.
    private int changed;

    /** Writer thread only. */
    public void increment(MessageCounter counter) {
        int index = counter.ordinal();
        counts[index]++;
        changed |= 1 << index;
    }

    /** Writer thread only. */
    public void add(MessageCounter counter, long amount) {
        int index = counter.ordinal();
        counts[index] += amount;
        changed |= 1 << index;
    }

    /** Writer thread only: makes what was counted so far visible to {@link #snapshot()}; free when nothing changed. */
    public void publish() {
        int pending = changed;
        if (pending != 0) {
            changed = 0;
            do {
                int index = Integer.numberOfTrailingZeros(pending);
                SLOT.setRelease(published, index, counts[index]);
                pending &= pending - 1;
            } while (pending != 0);
        }
    }

    /** Any thread: a copy of the counters as of the writer's last {@link #publish()}, indexed by {@link MessageCounter#ordinal()}. */
    public long[] snapshot() {
        long[] copy = new long[published.length];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = (long) SLOT.getAcquire(published, i);
        }
        return copy;
    }
}
