package dev.ferry.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * Message counters with many writers (an exchange that several channels publish through, a
 * virtual host whose channels all count into it): one {@link LongAdder} per counter, so writers on
 * different threads do not contend on one cache line. Readers sum on demand.
 */
public final class SharedMessageCounts {
    private final LongAdder[] counts = new LongAdder[MessageCounter.count()];

    public SharedMessageCounts() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void increment(MessageCounter counter) {
        counts[counter.ordinal()].increment();
    }

    public void add(MessageCounter counter, long amount) {
        if (amount != 0) {
            counts[counter.ordinal()].add(amount);
        }
    }

    public long get(MessageCounter counter) {
        return counts[counter.ordinal()].sum();
    }

    /** Every counter summed now, indexed by {@link MessageCounter#ordinal()}. */
    public long[] snapshot() {
        long[] values = new long[counts.length];
        for (int i = 0; i < counts.length; i++) {
            values[i] = counts[i].sum();
        }
        return values;
    }
}
