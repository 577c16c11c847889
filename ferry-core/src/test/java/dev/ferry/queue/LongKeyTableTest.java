package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Removal from {@link LongKeyTable} where probe runs meet: keys made to share a home slot, or to sit
 * at their own home right behind a removed one, in the middle of the table and across its end.
 * (Random keys, as in {@link LongKeyTableProperties}, seldom land exactly on these cases.)
 */
class LongKeyTableTest {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    // The table starts with 16 slots: a key's home is the top 4 bits of key * GOLDEN.
    private static final int SHIFT = 60;

    /** A key whose home slot in a 16-slot table is {@code home}; {@code variant} tells keys of one home apart. */
    private static long keyAt(int home, int variant) {
        long inverse = GOLDEN; // Newton's iteration: the multiplicative inverse of the odd constant mod 2^64
        for (int i = 0; i < 5; i++) {
            inverse *= 2 - GOLDEN * inverse;
        }
        return (((long) home << SHIFT) | variant) * inverse;
    }

    @Test
    void keyAtGivesKeysOfTheHomeItWasAskedFor() {
        assertThat((keyAt(5, 1) * GOLDEN) >>> SHIFT).isEqualTo(5);
        assertThat(keyAt(5, 1)).isNotEqualTo(keyAt(5, 2));
    }

    @Test
    void shouldMoveAnEntryBackIntoItsHomeWhenTheEntryAheadOfItLeaves() {
        LongKeyTable<String> table = new LongKeyTable<>();
        table.put(keyAt(3, 1), "first");
        table.put(keyAt(3, 2), "second"); // probes on to slot 4

        assertThat(table.remove(keyAt(3, 1))).isEqualTo("first");
        assertThat(table.get(keyAt(3, 2))).isEqualTo("second");
        assertThat(table.size()).isOne();
    }

    @Test
    void shouldLeaveAnEntryAtItsOwnHomeWhenTheEntryBeforeItLeaves() {
        LongKeyTable<String> table = new LongKeyTable<>();
        table.put(keyAt(3, 1), "before");
        table.put(keyAt(4, 1), "home");

        table.remove(keyAt(3, 1));
        assertThat(table.get(keyAt(4, 1))).isEqualTo("home");
    }

    @Test
    void shouldMoveAnEntryThatWrappedAroundBackToTheLastSlot() {
        LongKeyTable<String> table = new LongKeyTable<>();
        table.put(keyAt(15, 1), "last");
        table.put(keyAt(15, 2), "wrapped"); // slot 0

        table.remove(keyAt(15, 1));
        assertThat(table.get(keyAt(15, 2))).isEqualTo("wrapped");
    }

    @Test
    void shouldLeaveTheEntryOfSlotZeroWhenTheLastSlotEmpties() {
        LongKeyTable<String> table = new LongKeyTable<>();
        table.put(keyAt(15, 1), "last");
        table.put(keyAt(0, 1), "first slot");

        table.remove(keyAt(15, 1));
        assertThat(table.get(keyAt(0, 1))).isEqualTo("first slot");
    }

    @Test
    void shouldRefuseANullValue() {
        LongKeyTable<String> table = new LongKeyTable<>();
        assertThatThrownBy(() -> table.put(1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(table.size()).isZero();
    }
}
