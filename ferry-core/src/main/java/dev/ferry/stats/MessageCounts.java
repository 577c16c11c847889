package dev.ferry.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Message counters with one writer: a queue's owner thread increments plain fields, no lock and
 * no fence per message. Other threads see what the writer published when it was done with a batch
 * ({@link #publish()}): release stores into a second array, allocation-free and, on x86, as cheap
 * as plain stores; readers load each counter with acquire semantics. So readers lag the writer by
 * at most one batch, and each counter they see is one the writer had (the set of them is not one
 * instant, which monotonic counters do not need).
 */
public final class MessageCounts {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] counts = new long[MessageCounter.count()];
    private final long[] published = new long[MessageCounter.count()];
    private boolean changed;

    /** Writer thread only. */
    public void increment(MessageCounter counter) {
        counts[counter.ordinal()]++;
        changed = true;
    }

    /** Writer thread only. */
    public void add(MessageCounter counter, long amount) {
        counts[counter.ordinal()] += amount;
        changed = true;
    }

    /** Writer thread only: makes what was counted so far visible to {@link #snapshot()}; free when nothing changed. */
    public void publish() {
        if (changed) {
            changed = false;
            for (int i = 0; i < counts.length; i++) {
                SLOT.setRelease(published, i, counts[i]);
            }
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
