package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Settled offsets above a checkpoint's low-water mark as runs: what the checkpoint file stores. */
class OffsetRunsTest {

    @Test
    void adjacentOffsetsJoinOneRunAndGapsStartANewOne() {
        OffsetRuns runs = OffsetRuns.of(3, 4, 5, 7, 9, 10);
        assertThat(runs.count()).isEqualTo(3);
        assertThat(runs.start(0)).isEqualTo(3);
        assertThat(runs.length(0)).isEqualTo(3);
        assertThat(runs.start(1)).isEqualTo(7);
        assertThat(runs.length(1)).isEqualTo(1);
        assertThat(runs.start(2)).isEqualTo(9);
        assertThat(runs.length(2)).isEqualTo(2);
        assertThat(runs.offsetCount()).isEqualTo(6);
        assertThat(runs.toOffsets()).containsExactly(3, 4, 5, 7, 9, 10);
        assertThat(runs.isEmpty()).isFalse();
        assertThat(runs).hasToString("[3..5, 7, 9..10]");
    }

    @Test
    void noOffsetsAreTheSharedEmptyRuns() {
        assertThat(OffsetRuns.of()).isSameAs(OffsetRuns.NONE);
        assertThat(OffsetRuns.NONE.isEmpty()).isTrue();
        assertThat(OffsetRuns.NONE.offsetCount()).isZero();
        assertThat(OffsetRuns.NONE.toOffsets()).isEmpty();
        assertThat(OffsetRuns.NONE).hasToString("[]");
    }

    @Test
    void manyRunsGrowTheBuilder() {
        OffsetRuns.Builder builder = new OffsetRuns.Builder();
        for (int i = 0; i < 20; i++) {
            builder.add(i * 10L, 2);
        }
        OffsetRuns runs = builder.build();
        assertThat(runs.count()).isEqualTo(20);
        assertThat(runs.start(19)).isEqualTo(190);
        assertThat(runs.length(19)).isEqualTo(2);
        assertThat(runs.offsetCount()).isEqualTo(40);
    }

    @Test
    void belowCutsTheRunAcrossTheEndAndDropsTheRunsAboveIt() {
        OffsetRuns runs = OffsetRuns.of(3, 4, 5, 7, 9, 10);
        assertThat(runs.below(11)).isEqualTo(runs);
        assertThat(runs.below(10)).isEqualTo(OffsetRuns.of(3, 4, 5, 7, 9));
        assertThat(runs.below(9)).isEqualTo(OffsetRuns.of(3, 4, 5, 7));
        assertThat(runs.below(5)).isEqualTo(OffsetRuns.of(3, 4));
        assertThat(runs.below(3)).isSameAs(OffsetRuns.NONE);
    }

    @Test
    void refusesRunsThatAreEmptyNegativeOrOutOfOrder() {
        OffsetRuns.Builder builder = new OffsetRuns.Builder().add(10, 5);
        assertThatThrownBy(() -> builder.add(20, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.add(-1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.add(14, 1)).as("overlaps 10..14").isInstanceOf(IllegalArgumentException.class);
        builder.add(15, 1); // right after the run: joins it
        assertThat(builder.build()).isEqualTo(OffsetRuns.of(10, 11, 12, 13, 14, 15));
        assertThatThrownBy(() -> new OffsetRuns.Builder().add(-1, 1)).as("the first run too")
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new OffsetRuns.Builder().add(0, 1).build()).isEqualTo(OffsetRuns.of(0));
    }

    @Test
    void aRunThatWouldOutgrowAnIntStartsANewRun() {
        OffsetRuns runs = new OffsetRuns.Builder().add(0, Integer.MAX_VALUE - 1).add(Integer.MAX_VALUE - 1, 1)
                .add(Integer.MAX_VALUE, 1).build();
        assertThat(runs.count()).isEqualTo(2);
        assertThat(runs.length(0)).isEqualTo(Integer.MAX_VALUE);
        assertThat(runs.start(1)).isEqualTo(Integer.MAX_VALUE);
        assertThat(runs.offsetCount()).isEqualTo(Integer.MAX_VALUE + 1L);
    }

    @Test
    void equalRunsAreEqualAndHashAlike() {
        OffsetRuns runs = OffsetRuns.of(1, 2, 5);
        OffsetRuns same = new OffsetRuns.Builder().add(1, 2).add(5, 1).build();
        assertThat(runs).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(runs).isNotEqualTo(OffsetRuns.of(1, 2, 6)).isNotEqualTo(OffsetRuns.of(1, 5)).isNotEqualTo("[1..2, 5]");
    }
}
