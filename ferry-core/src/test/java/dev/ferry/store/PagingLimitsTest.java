package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The paging limits at their edges: the smallest allowed, when memory is full, when a page-in is worth it. */
class PagingLimitsTest {
    private final PagingLimits limits = new PagingLimits(10, 1000);

    @Test
    void shouldTakeTwoMessagesAndOneByteAtLeast() {
        assertThat(new PagingLimits(2, 1).messages()).isEqualTo(2);
        assertThatThrownBy(() -> new PagingLimits(1, 1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PagingLimits(10, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldBeFullAtExactlyItsMessageLimit() {
        assertThat(limits.full(9, 0, 0)).isFalse();
        assertThat(limits.full(10, 0, 0)).isTrue();
        assertThat(limits.full(1, 900, 100)).isFalse();
        assertThat(limits.full(1, 900, 101)).isTrue();
        assertThat(limits.full(0, 0, 5000)).as("one message always fits").isFalse();
    }

    @Test
    void shouldWantAPageInOnceMemoryIsDownToHalfItsLimitsOrEmpty() {
        assertThat(limits.wantsPageIn(0, 0)).isTrue();
        assertThat(limits.wantsPageIn(0, 5000)).as("empty memory always takes a page").isTrue();
        assertThat(limits.wantsPageIn(5, 500)).isTrue();
        assertThat(limits.wantsPageIn(6, 0)).isFalse();
        assertThat(limits.wantsPageIn(1, 501)).isFalse();
    }
}
