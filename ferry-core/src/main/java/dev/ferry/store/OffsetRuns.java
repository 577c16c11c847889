package dev.ferry.store;

import java.util.Arrays;

/**
 * A set of log offsets as runs {@code [start, start + length)}: ascending, disjoint and never
 * adjacent (two touching runs are one). What an {@link AckCheckpoint} keeps of the offsets settled
 * above the low-water mark: acks arrive mostly in order, so a million acks behind one stuck
 * message are one run, not a million offsets.
 *
 * <p>Immutable; build one with a {@link Builder}.
 */
final class OffsetRuns {
    static final OffsetRuns NONE = new OffsetRuns(new long[0], new int[0]);

    private final long[] starts;
    private final int[] lengths;

    private OffsetRuns(long[] starts, int[] lengths) {
        this.starts = starts;
        this.lengths = lengths;
    }

    /** The runs of {@code offsets}, which must be strictly ascending. */
    static OffsetRuns of(long... offsets) {
        Builder builder = new Builder();
        for (long offset : offsets) {
            builder.add(offset, 1);
        }
        return builder.build();
    }

    /** How many runs. */
    int count() {
        return starts.length;
    }

    long start(int run) {
        return starts[run];
    }

    int length(int run) {
        return lengths[run];
    }

    /** How many offsets the runs hold together. */
    long offsetCount() {
        long total = 0;
        for (int length : lengths) {
            total += length;
        }
        return total;
    }

    boolean isEmpty() {
        return starts.length == 0;
    }

    /** The offsets below {@code end} (a run crossing it is cut). */
    OffsetRuns below(long end) {
        Builder builder = new Builder();
        for (int i = 0; i < starts.length && starts[i] < end; i++) {
            builder.add(starts[i], (int) Math.min(lengths[i], end - starts[i]));
        }
        return builder.build();
    }

    /** Every offset, ascending: for tests and small sets only. */
    long[] toOffsets() {
        long[] offsets = new long[Math.toIntExact(offsetCount())];
        int at = 0;
        for (int i = 0; i < starts.length; i++) {
            for (int j = 0; j < lengths[i]; j++) {
                offsets[at++] = starts[i] + j;
            }
        }
        return offsets;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof OffsetRuns that && Arrays.equals(starts, that.starts) && Arrays.equals(lengths, that.lengths);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(starts) * 31 + Arrays.hashCode(lengths);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < starts.length; i++) {
            text.append(i == 0 ? "" : ", ").append(starts[i]);
            if (lengths[i] > 1) {
                text.append("..").append(starts[i] + lengths[i] - 1);
            }
        }
        return text.append(']').toString();
    }

    /** Collects runs in ascending order; a run that touches the previous one extends it. */
    static final class Builder {
        private long[] starts = new long[8];
        private int[] lengths = new int[8];
        private int count;

        /**
         * @throws IllegalArgumentException if the run is empty or does not lie above every run added so far
         */
        Builder add(long start, int length) {
            if (length < 1 || start < 0) {
                throw new IllegalArgumentException("a run needs a start at or above 0 and a length of at least 1: "
                        + start + ", " + length);
            }
            if (count > 0) {
                long previousEnd = starts[count - 1] + lengths[count - 1];
                if (start < previousEnd) {
                    throw new IllegalArgumentException("runs must ascend without overlapping: " + start
                            + " after a run ending at " + previousEnd);
                }
                if (start == previousEnd && (long) lengths[count - 1] + length <= Integer.MAX_VALUE) {
                    lengths[count - 1] += length;
                    return this;
                }
            }
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count * 2);
                lengths = Arrays.copyOf(lengths, count * 2);
            }
            starts[count] = start;
            lengths[count] = length;
            count++;
            return this;
        }

        OffsetRuns build() {
            return count == 0 ? NONE : new OffsetRuns(Arrays.copyOf(starts, count), Arrays.copyOf(lengths, count));
        }
    }
}
