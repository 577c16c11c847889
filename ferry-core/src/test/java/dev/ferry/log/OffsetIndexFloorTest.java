package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link OffsetIndex#floorPosition} for an entry at the segment's own base offset. */
class OffsetIndexFloorTest {
    @Test
    void shouldUseAnEntryAtTheBaseOffsetForTheBaseOffsetItself() {
        OffsetIndex index = new OffsetIndex(500);
        index.append(500, 64);
        index.append(520, 900);

        assertThat(index.floorPosition(500)).isEqualTo(64);
        assertThat(index.floorPosition(499)).isZero();
    }
}
