package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which file names {@link SegmentSwap} takes for the cleaned and swap files of a segment. */
class SegmentSwapTest {
    @Test
    void shouldReadTheBaseOffsetOfAWellFormedSwapOrCleanedName() {
        assertThat(SegmentSwap.baseOffsetOf("00000000000000000042.log.swap", SegmentSwap.SWAP_SUFFIX)).isEqualTo(42);
        assertThat(SegmentSwap.baseOffsetOf("00000000000000001234.log.cleaned", SegmentSwap.CLEANED_SUFFIX))
                .isEqualTo(1234);
    }

    @Test
    void shouldRejectAStemLongerThanTwentyDigits() {
        assertThat(SegmentSwap.baseOffsetOf("000000000000000000050.log.swap", SegmentSwap.SWAP_SUFFIX)).isEqualTo(-1);
    }

    @Test
    void shouldRejectAStemThatIsNotAllDigits() {
        assertThat(SegmentSwap.baseOffsetOf("+0000000000000000042.log.swap", SegmentSwap.SWAP_SUFFIX)).isEqualTo(-1);
        assertThat(SegmentSwap.baseOffsetOf("0000000000000000004x.log.swap", SegmentSwap.SWAP_SUFFIX)).isEqualTo(-1);
    }
}
