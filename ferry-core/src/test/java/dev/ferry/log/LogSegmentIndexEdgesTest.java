package dev.ferry.log;

import static dev.ferry.log.LogSegmentTimestampSearchTest.batch;
import static dev.ferry.log.LogSegmentTimestampSearchTest.concat;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@link LogSegment#append} puts index entries, at the edges of the interval and of the offset range. */
class LogSegmentIndexEdgesTest {
    @TempDir
    Path directory;

    private final FileHandleCache cache = new FileHandleCache(8);
    private LogSegment segment;

    @AfterEach
    void close() {
        if (segment != null) {
            segment.close();
        }
    }

    private static List<Integer> positions(OffsetIndex index) {
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < index.entryCount(); i++) {
            positions.add(index.positionAt(i));
        }
        return positions;
    }

    @Test
    void shouldIndexTheBatchThatStartsExactlyOneIntervalIn() throws IOException {
        ByteBuffer first = batch(0, 100, 110);
        int firstBytes = first.remaining();
        segment = LogSegment.create("edges", directory, 0, firstBytes, cache);

        segment.append(concat(0, first, batch(2, 200, 210)), 3);

        assertThat(positions(segment.offsetIndex())).containsExactly(firstBytes);
        assertThat(segment.offsetIndex().offsetAt(0)).isEqualTo(2);
    }

    @Test
    void shouldNeverIndexTheFirstBatchEvenWithAnIntervalOfZero() throws IOException {
        segment = LogSegment.create("edges", directory, 0, 0, cache);
        ByteBuffer first = batch(0, 100, 110);
        ByteBuffer second = batch(2, 200, 210);
        int firstBytes = first.remaining();
        int secondBytes = second.remaining();

        segment.append(concat(0, first, second, batch(4, 300, 310)), 5);

        assertThat(positions(segment.offsetIndex())).containsExactly(firstBytes, firstBytes + secondBytes);
    }

    @Test
    void shouldPlaceEntriesByFilePositionWhenTheBufferDoesNotStartAtZero() throws IOException {
        segment = LogSegment.create("edges", directory, 0, 1, cache);
        ByteBuffer first = batch(0, 100, 110);
        ByteBuffer second = batch(2, 200, 210);
        int firstBytes = first.remaining();
        int secondBytes = second.remaining();

        ByteBuffer third = batch(4, 300, 310);
        int thirdBytes = third.remaining();

        segment.append(concat(24, first, second, third), 5);

        assertThat(segment.sizeInBytes()).isEqualTo(firstBytes + secondBytes + thirdBytes);
        assertThat(positions(segment.offsetIndex())).containsExactly(firstBytes, firstBytes + secondBytes);
        assertThat(segment.findOffsetByTimestamp(305)).hasValue(5);
    }

    @Test
    void shouldIndexBatchesOfASegmentWhoseBaseOffsetIsAboveTheIntRange() throws IOException {
        long base = Integer.MAX_VALUE + 10L;
        segment = LogSegment.create("edges", directory, base, 1, cache);
        ByteBuffer first = batch(base, 100, 110);
        int firstBytes = first.remaining();

        segment.append(concat(0, first, batch(base + 2, 200, 210)), base + 3);

        assertThat(positions(segment.offsetIndex())).containsExactly(firstBytes);
        assertThat(segment.offsetIndex().offsetAt(0)).isEqualTo(base + 2);
    }
}
