package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where {@link LargeBuffers} draws the line between heap and direct buffers. */
class LargeBuffersTest {
    @Test
    void shouldCountABufferOfExactlyTheThresholdAsLarge() {
        assertThat(LargeBuffers.isLarge(LargeBuffers.DIRECT_FROM_BYTES)).isTrue();
        assertThat(LargeBuffers.isLarge(LargeBuffers.DIRECT_FROM_BYTES - 1)).isFalse();
    }
}
