package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

class SettledOffsetsTest {

    @Test
    void lowWaterAdvancesOverRunsOfOutOfOrderAcks() {
        SettledOffsets settled = new SettledOffsets(100);
        settled.settle(102);
        settled.settle(101);
        assertEquals(100, settled.lowWater());
        assertArrayEquals(new long[] {101, 102}, settled.settledAboveLowWater());
        assertTrue(settled.isSettled(101));
        assertFalse(settled.isSettled(100));
        settled.settle(100);
        assertEquals(103, settled.lowWater());
        assertArrayEquals(new long[0], settled.settledAboveLowWater());
        assertTrue(settled.isSettled(5));
        assertFalse(settled.isSettled(103));
    }

    @Test
    void agreesWithATreeSetOverManyShuffledAcksAcrossRebases() {
        Random random = new Random(42);
        List<Long> offsets = new ArrayList<>();
        for (long i = 0; i < 300_000; i++) {
            offsets.add(i);
        }
        // Mostly in order, shuffled in windows, as acks from several consumers arrive.
        for (int from = 0; from < offsets.size(); from += 1000) {
            Collections.shuffle(offsets.subList(from, Math.min(offsets.size(), from + 1000)), random);
        }
        SettledOffsets settled = new SettledOffsets(0);
        TreeSet<Long> expected = new TreeSet<>();
        long expectedLow = 0;
        for (int i = 0; i < offsets.size(); i++) {
            long offset = offsets.get(i);
            settled.settle(offset);
            expected.add(offset);
            while (expected.contains(expectedLow)) {
                expected.remove(expectedLow++);
            }
            if (i % 9973 == 0) {
                assertEquals(expectedLow, settled.lowWater());
                assertArrayEquals(expected.stream().mapToLong(Long::longValue).toArray(), settled.settledAboveLowWater());
            }
        }
        assertEquals(300_000, settled.lowWater());
    }

    @Test
    void settlesRunsAndHandsThemOutAsRuns() {
        SettledOffsets settled = new SettledOffsets(10);
        settled.settleRun(20, 5);
        settled.settle(30);
        settled.settleRun(25, 2); // touches the first run: one run 20..26
        assertEquals(OffsetRuns.of(20, 21, 22, 23, 24, 25, 26, 30), settled.runsAboveLowWater());
        assertEquals(2, settled.runsAboveLowWater().count());
        settled.settleRun(8, 12); // from below the mark up to 19: the mark moves over everything to 27
        assertEquals(27, settled.lowWater());
        assertEquals(OffsetRuns.of(30), settled.runsAboveLowWater());
    }

    @Test
    void forgetsEverythingFromACutBackEnd() {
        SettledOffsets settled = new SettledOffsets(0);
        settled.settleRun(0, 10);
        settled.settle(12);
        settled.settle(15);
        settled.forgetFrom(13);
        assertEquals(10, settled.lowWater());
        assertArrayEquals(new long[] {12}, settled.settledAboveLowWater());
        assertFalse(settled.isSettled(15));

        settled.forgetFrom(5); // below the low-water mark: the mark comes down to it
        assertEquals(5, settled.lowWater());
        assertFalse(settled.isSettled(5));
        assertTrue(settled.isSettled(4));
        settled.settle(5);
        assertEquals(6, settled.lowWater());
    }

    @Test
    void forgettingBelowTheBaseAfterARebaseStillWorks() {
        SettledOffsets settled = new SettledOffsets(0);
        settled.settleRun(0, 200_000); // rebased well above 0
        settled.forgetFrom(100);
        assertEquals(100, settled.lowWater());
        assertFalse(settled.isSettled(100));
        settled.settleRun(100, 10);
        assertEquals(110, settled.lowWater());
    }

    @Test
    void settlingBelowTheMarkChangesNothingAndAnOffsetTooFarAboveItIsRefused() {
        SettledOffsets settled = new SettledOffsets(100);
        settled.settle(5);
        assertEquals(100, settled.lowWater());
        assertArrayEquals(new long[0], settled.settledAboveLowWater());
        assertThrows(IllegalStateException.class, () -> settled.settle(100 + (1L << 32)));
        assertEquals(100, settled.lowWater());
        assertFalse(settled.isSettled(100));
    }

    @Test
    void anEmptyRunOrOneEndingAtTheMarkSettlesNothing() {
        SettledOffsets settled = new SettledOffsets(10);
        settled.settleRun(10, 0);
        settled.settleRun(5, 5); // [5, 10): all below the mark
        settled.settleRun(2, 3);
        assertEquals(10, settled.lowWater());
        assertFalse(settled.isSettled(10));
        settled.settleRun(10, 1);
        assertEquals(11, settled.lowWater());
    }

    @Test
    void acceptsOffsetsUpToTheLimitAboveTheBaseAndNoFurther() {
        SettledOffsets settled = new SettledOffsets(0);
        long limit = Integer.MAX_VALUE - 64;
        assertFalse(settled.isSettled(limit));
        assertThrows(IllegalStateException.class, () -> settled.isSettled(limit + 1));
    }

    @Test
    void theLimitMovesUpWithTheMarkOnceItHasMovedByTheRebaseDistance() {
        SettledOffsets settled = new SettledOffsets(0);
        settled.settleRun(0, 64 * 1024); // exactly the distance at which the bits are rebased
        long limit = 64L * 1024 + Integer.MAX_VALUE - 64;
        assertFalse(settled.isSettled(limit)); // not refused as too far above the old base
        assertThrows(IllegalStateException.class, () -> settled.isSettled(limit + 1));
    }
}
