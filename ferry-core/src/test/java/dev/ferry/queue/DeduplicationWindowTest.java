package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

/** The window's rules with time passed in: count, age, restore order, forgetting, journal trimming. */
class DeduplicationWindowTest {

    private static DeduplicationWindow window(long size, long ttlMs) {
        return new DeduplicationWindow(new DeduplicationSettings(size,
                ttlMs < 0 ? OptionalLong.empty() : OptionalLong.of(ttlMs), DeduplicationSettings.DEFAULT_HEADER));
    }

    @Test
    void shouldEvictTheOldestIdsPastTheSizeWhileGrowingItsRing() {
        DeduplicationWindow window = window(100, -1);
        for (int i = 0; i < 250; i++) {
            window.admit("id-" + i, i);
        }

        assertThat(window.size()).isEqualTo(100);
        assertThat(window.contains("id-149", 1000)).isFalse();
        assertThat(window.contains("id-150", 1000)).isTrue();
        assertThat(window.contains("id-249", 1000)).isTrue();
    }

    @Test
    void shouldEvictIdsOnceTheirTimeIsOver() {
        DeduplicationWindow window = window(100, 1000);
        window.admit("a", 0);
        window.admit("b", 500);

        assertThat(window.contains("a", 999)).isTrue();
        assertThat(window.contains("a", 1000)).isFalse();
        assertThat(window.contains("b", 1000)).isTrue();
        assertThat(window.contains("b", 1500)).isFalse();
    }

    @Test
    void shouldKeepTheNewestAdmissionOfARestoredIdAndForgetOnRequest() {
        DeduplicationWindow window = window(2, -1);
        window.restore("a", 0, 0);
        window.restore("b", 1, 1);
        window.restore("a", 2, 2); // admitted again after being forgotten: b is now the oldest
        window.restore("c", 3, 3);

        assertThat(window.contains("b", 3)).isFalse();
        assertThat(window.contains("a", 3)).isTrue();
        assertThat(window.contains("c", 3)).isTrue();
        window.forget("a");
        assertThat(window.contains("a", 3)).isFalse();
    }

    @Test
    void shouldNameTheOldestJournalOffsetStillNeeded() {
        DeduplicationWindow window = window(3, -1);
        long memoryOnly = window.admit("transient", 0);
        long first = window.admit("x", 0);
        window.journaled(first, 10);
        long second = window.admit("y", 0);
        window.journaled(second, 11);
        assertThat(memoryOnly).isZero();
        assertThat(window.oldestJournalOffset(12)).isEqualTo(10);

        window.forget("x");
        assertThat(window.oldestJournalOffset(12)).isEqualTo(11);
        window.admit("z", 0);
        window.admit("w", 0);
        window.admit("v", 0); // y is out by count; z, w, v were never journaled
        assertThat(window.oldestJournalOffset(12)).isEqualTo(12);
    }

    @Test
    void shouldLetIdsWhoseTimeIsOverLeaveWhenTheNextIsAdmitted() {
        DeduplicationWindow window = window(100, 1000);
        window.admit("a", 0);
        window.admit("b", 1000);

        assertThat(window.size()).as("a left on b's arrival, without a lookup in between").isOne();
    }

    /**
     * Ids leave by time before the 16-slot ring is full, so it must grow when the oldest admission
     * left is the 10th: the ring's bound is the span from the oldest to the next, not the next alone.
     */
    @Test
    void shouldGrowItsRingAfterIdsLeftByTime() {
        DeduplicationWindow window = window(100, 1000);
        for (int i = 0; i < 9; i++) {
            window.admit("early-" + i, 0);
        }
        for (int i = 0; i < 17; i++) {
            window.admit("late-" + i, 2000);
        }
        assertThat(window.size()).isEqualTo(17);
        for (int i = 0; i < 17; i++) {
            assertThat(window.contains("late-" + i, 2999)).as("late-%d", i).isTrue();
        }

        for (int i = 0; i < 17; i++) {
            assertThat(window.contains("late-" + i, 3000)).as("late-%d once its time is over", i).isFalse();
        }
        assertThat(window.size()).isZero();
    }
}
