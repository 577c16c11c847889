package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
