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

    /** The settled offsets above the low-water mark, ascending. */
    long[] settledAboveLowWater() {
        int from = index(lowWater);
        long[] result = new long[bits.get(from, Math.max(from, bits.length())).cardinality()];
        int i = 0;
        for (int bit = bits.nextSetBit(from); bit >= 0; bit = bits.nextSetBit(bit + 1)) {
            result[i++] = base + bit;
        }
        return result;
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
