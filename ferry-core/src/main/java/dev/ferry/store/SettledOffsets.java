package dev.ferry.store;

import java.util.BitSet;

/**
 * Which offsets of a queue's log are settled (acked, discarded, expired, dropped): every offset
 * below the low-water mark, plus a set of settled offsets above it (acks come out of order).
 *
 * <p>Design note: the set is a bitmap relative to a base at or below the low-water mark, rebased
 * when the mark has moved far enough that the bits below it are worth dropping. Settling is O(1)
 * amortised with no allocation per message; the low-water mark advances over runs of settled
 * offsets with {@link BitSet#nextClearBit}.
 *
 * <p>Thread safety: none; the queue's owner thread owns it.
 */
final class SettledOffsets {
    private static final int REBASE_BITS = 64 * 1024;

    private long base;
    private long lowWater;
    private BitSet bits = new BitSet();

    /** Nothing settled at or above {@code lowWater}. */
    SettledOffsets(long lowWater) {
        this.base = lowWater;
        this.lowWater = lowWater;
    }

    /** Every offset below it is settled. */
    long lowWater() {
        return lowWater;
    }

    boolean isSettled(long offset) {
        return offset < lowWater || bits.get(index(offset));
    }

    void settle(long offset) {
        assert offset >= 0 : "negative offset " + offset;
        if (offset < lowWater) {
            return;
        }
        bits.set(index(offset));
        if (offset == lowWater) {
            lowWater = base + bits.nextClearBit(index(lowWater));
            if (lowWater - base >= REBASE_BITS) {
                int shift = index(lowWater);
                bits = bits.get(shift, Math.max(shift, bits.length()));
                base = lowWater;
            }
        }
        assert !bits.get(index(lowWater)) : "low-water mark stopped on a settled offset";
    }

    /** Settles {@code [start, start + length)}; offsets below the low-water mark are settled already. */
    void settleRun(long start, long length) {
        long from = Math.max(start, lowWater);
        long to = start + length;
        if (to <= from) {
            return;
        }
        bits.set(index(from), index(to)); // index checks the range before anything changes
        if (from == lowWater) {
            settle(lowWater); // advances the mark over the run and rebases
        }
    }

    /**
     * Forgets everything settled at or above {@code end}: the log was cut back there, and the offsets
     * beyond will be given to new records.
     */
    void forgetFrom(long end) {
        if (end <= base) {
            base = end;
            lowWater = Math.min(lowWater, end);
            bits = new BitSet();
            return;
        }
        // Offsets in [end, lowWater) were settled by being below the mark; end becomes the mark.
        // No bit below the mark is ever read (settle and runsAboveLowWater start at it), so none
        // needs setting for them.
        lowWater = Math.min(lowWater, end);
        bits.clear(index(end), Math.max(index(end), bits.length()));
    }

    /** The settled offsets above the low-water mark as runs, without listing them one by one. */
    OffsetRuns runsAboveLowWater() {
        OffsetRuns.Builder runs = new OffsetRuns.Builder();
        int bit = bits.nextSetBit(index(lowWater));
        while (bit >= 0) {
            int clear = bits.nextClearBit(bit);
            runs.add(base + bit, clear - bit);
            bit = bits.nextSetBit(clear);
        }
        return runs.build();
    }

    /** The settled offsets above the low-water mark, ascending: for tests. */
    long[] settledAboveLowWater() {
        return runsAboveLowWater().toOffsets();
    }

    private int index(long offset) {
        long index = offset - base;
        if (index > Integer.MAX_VALUE - 64) {
            // More than two billion unsettled offsets in one queue: not a case Ferry supports.
            throw new IllegalStateException("offset " + offset + " is too far above the low-water mark " + lowWater);
        }
        return (int) index;
    }
}
