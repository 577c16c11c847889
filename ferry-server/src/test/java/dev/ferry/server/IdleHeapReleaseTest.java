package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When the idle collection runs: only after a quiet interval, and once per growth of the heap. */
class IdleHeapReleaseTest {
    private long collections;
    private long committed = 32;
    private int fullCollections;

    private final IdleHeapRelease release = new IdleHeapRelease(10_000, 32, () -> collections, () -> committed, () -> {
        fullCollections++;
        collections++;
        committed = 40;
    });

    @Test
    void shouldCollectOnceTheBrokerIsQuietAndTheHeapHasGrown() {
        release.check();
        assertThat(fullCollections).as("the first look has nothing to compare with").isZero();

        committed = 300; // a burst grew the heap, young collections ran
        collections += 50;
        release.check();
        assertThat(fullCollections).as("collections ran in the last interval: busy").isZero();
        collections += 3;
        release.check();
        assertThat(fullCollections).isZero();

        release.check(); // a whole interval without a collection
        assertThat(fullCollections).isEqualTo(1);
        assertThat(committed).isEqualTo(40);

        release.check();
        release.check();
        assertThat(fullCollections).as("quiet, but nothing grew since").isEqualTo(1);
    }

    @Test
    void shouldLeaveAHeapThatNeverGrewAlone() {
        for (int i = 0; i < 5; i++) {
            release.check();
        }
        assertThat(fullCollections).isZero();
    }
}
