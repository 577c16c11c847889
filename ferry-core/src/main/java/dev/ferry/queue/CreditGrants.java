package dev.ferry.queue;

import java.util.Arrays;

/**
 * Units of channel credit a {@link ChannelCredit} handed to this queue because it waited for them
 * (see the fair hand-out there), not yet used by a delivery. A queue uses them before asking its
 * channels for more, and gives back what its delivery pass did not use, so a unit never stays with
 * a queue that cannot deliver.
 *
 * <p>Design note: parallel arrays searched linearly; a queue holds grants of a handful of channels
 * at most, and usually none. Owner thread only.
 */
final class CreditGrants {
    private ChannelCredit[] credits = new ChannelCredit[2];
    private int[] units = new int[2];
    private int size;

    void add(ChannelCredit credit) {
        int index = indexOf(credit);
        if (index < 0) {
            if (size == credits.length) {
                credits = Arrays.copyOf(credits, size * 2);
                units = Arrays.copyOf(units, size * 2);
            }
            index = size++;
            credits[index] = credit;
            units[index] = 0;
        }
        units[index]++;
    }

    /** Whether a unit of {@code credit} is held (a no-ack consumer may deliver on it without using it). */
    boolean holds(ChannelCredit credit) {
        int index = indexOf(credit);
        return index >= 0 && units[index] > 0;
    }

    /** Uses one held unit of {@code credit} for a delivery, if there is one. */
    boolean tryTake(ChannelCredit credit) {
        int index = indexOf(credit);
        if (index < 0 || units[index] == 0) {
            return false;
        }
        units[index]--;
        return true;
    }

    /** Gives every unused unit back to its channel, which hands it to the next queue waiting. */
    void returnUnused() {
        for (int i = 0; i < size; i++) {
            ChannelCredit credit = credits[i];
            int unused = units[i];
            credits[i] = null;
            units[i] = 0;
            credit.release(unused);
        }
        size = 0;
    }

    private int indexOf(ChannelCredit credit) {
        for (int i = 0; i < size; i++) {
            if (credits[i] == credit) {
                return i;
            }
        }
        return -1;
    }
}
