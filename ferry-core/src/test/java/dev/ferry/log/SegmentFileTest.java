package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A segment file's reads, appends, cuts, transfers and fsync slots at their edges: size limits, short reads, closed channels, failures. */
class SegmentFileTest {
    private static final Duration GIVE_UP = Duration.ofSeconds(20);

    @TempDir
    Path directory;

    private final TweakableFileSystem fileSystem = new TweakableFileSystem();
    private final FileHandleCache cache = new FileHandleCache(FileHandleCache.CAPACITY_MIN, fileSystem);

    /** A segment holding bytes 0, 1, 2, ... {@code count - 1}. */
    private SegmentFile segmentOf(int count) throws IOException {
        SegmentFile segment = SegmentFile.create(cache, directory.resolve("00000000000000000000.log"));
        ByteBuffer bytes = ByteBuffer.allocate(count);
        for (int i = 0; i < count; i++) {
            bytes.put((byte) i);
        }
        segment.append(bytes.flip());
        return segment;
    }

    private static void assertCounting(ByteBuffer buffer, int from, int first) {
        for (int i = from; i < buffer.limit(); i++) {
            assertThat(buffer.get(i)).as("byte %d", i).isEqualTo((byte) (first + i - from));
        }
    }

    @Test
    void aFileOfMoreBytesThanAnIntCountsIsRefusedAndOneOfExactlyThatManyOpens() throws IOException {
        SegmentFile.create(cache, directory.resolve("00000000000000000000.log")).close();
        fileSystem.reportedSize = Integer.MAX_VALUE + 1L;
        assertThatThrownBy(() -> SegmentFile.open(cache, directory.resolve("00000000000000000000.log")))
                .isInstanceOf(IOException.class).hasMessageContaining("more than a segment can");

        fileSystem.reportedSize = Integer.MAX_VALUE;
        assertThat(SegmentFile.open(cache, directory.resolve("00000000000000000000.log")).size()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void anAppendMayFillASegmentToTheIntLimitButNotPastIt() throws IOException {
        Path path = directory.resolve("00000000000000000000.log");
        SegmentFile.create(cache, path).close();
        fileSystem.reportedSize = Integer.MAX_VALUE - 1L; // the file stays sparse
        SegmentFile segment = SegmentFile.open(cache, path);

        assertThatThrownBy(() -> segment.append(ByteBuffer.wrap(new byte[] {1, 2}))).isInstanceOf(IOException.class)
                .hasMessageContaining("would pass");
        assertThat(segment.size()).isEqualTo(Integer.MAX_VALUE - 1);
        segment.append(ByteBuffer.wrap(new byte[] {42}));

        assertThat(segment.size()).isEqualTo(Integer.MAX_VALUE);
        ByteBuffer last = ByteBuffer.allocate(1);
        segment.readFully(last, Integer.MAX_VALUE - 1L);
        assertThat(last.get(0)).isEqualTo((byte) 42);
        segment.close();
    }

    @Test
    void aReadFillsTheBufferFromItsPositionWithTheBytesAtTheOffsetAsked() throws IOException {
        SegmentFile segment = segmentOf(100);
        ByteBuffer buffer = ByteBuffer.allocate(10).position(4);

        segment.readFully(buffer, 50);

        assertThat(buffer.position()).isEqualTo(10);
        assertCounting(buffer, 4, 50);
        assertThat(buffer.get(0)).as("before the position: untouched").isZero();
    }

    @Test
    void shortReadsAreContinuedWhereTheyStopped() throws IOException {
        SegmentFile segment = segmentOf(100);
        fileSystem.maxBytesPerRead = 3;
        ByteBuffer buffer = ByteBuffer.allocate(20);

        segment.readFully(buffer, 10);

        assertCounting(buffer, 0, 10);
    }

    @Test
    void aReadPastTheEndFailsRatherThanReturnFewerBytes() throws IOException {
        SegmentFile segment = segmentOf(10);

        assertThatThrownBy(() -> segment.readFully(ByteBuffer.allocate(20), 0)).isInstanceOf(EOFException.class)
                .hasMessageContaining("ends at 10 with 10 bytes still to read");
    }

    @Test
    void aReadWhoseChannelIsClosedMidwayResumesOnAFreshOneAtTheByteItReached() throws IOException {
        SegmentFile segment = segmentOf(100);
        fileSystem.maxBytesPerRead = 4;
        fileSystem.closeAtCall.set(2); // the second read finds its channel closed, 4 bytes in
        ByteBuffer buffer = ByteBuffer.allocate(20);

        segment.readFully(buffer, 10);

        assertCounting(buffer, 0, 10);
        assertThat(cache.opens()).as("opened again once").isEqualTo(1 + 1);
    }

    @Test
    void aReadThatFindsItsChannelClosedAgainAfterReopeningGivesUp() throws IOException {
        SegmentFile segment = segmentOf(100);
        cache.closeIdle();
        long opensBefore = cache.opens();
        fileSystem.openClosed = true;

        assertTimeoutPreemptively(GIVE_UP, () -> assertThatThrownBy(() -> segment.readFully(ByteBuffer.allocate(8), 0))
                .isInstanceOf(ClosedChannelException.class));
        assertThat(cache.opens() - opensBefore).as("opened, then once more").isEqualTo(2);
    }

    @Test
    void aTransferThatFindsItsChannelClosedAgainAfterReopeningGivesUp() throws IOException {
        SegmentFile segment = segmentOf(100);
        cache.closeIdle();
        long opensBefore = cache.opens();
        fileSystem.openClosed = true;
        WritableByteChannel target = Channels.newChannel(new ByteArrayOutputStream());

        assertTimeoutPreemptively(GIVE_UP, () -> assertThatThrownBy(() -> segment.transferTo(0, 100, target))
                .isInstanceOf(ClosedChannelException.class));
        assertThat(cache.opens() - opensBefore).as("opened, then once more").isEqualTo(2);
    }

    @Test
    void aTransferToAClosedTargetFailsWithoutReopeningTheFile() throws IOException {
        SegmentFile segment = segmentOf(100);
        WritableByteChannel target = Channels.newChannel(new ByteArrayOutputStream());
        target.close();

        assertThatThrownBy(() -> segment.transferTo(0, 100, target)).isInstanceOf(ClosedChannelException.class);

        assertThat(cache.opens()).isEqualTo(1);
    }

    @Test
    void anInterruptedReaderGivesUpAtOnceWithoutReopeningTheFile() throws IOException {
        FileHandleCache plain = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        SegmentFile segment = SegmentFile.create(plain, directory.resolve("00000000000000000000.log"));
        segment.append(ByteBuffer.wrap(new byte[32]));
        try {
            Thread.currentThread().interrupt();
            assertThatThrownBy(() -> segment.readFully(ByteBuffer.allocate(8), 0)).isInstanceOf(ClosedByInterruptException.class);
        } finally {
            Thread.interrupted();
        }

        assertThat(plain.opens()).isEqualTo(1);
        segment.close();
    }

    @Test
    void aCutLowersTheReadableSizeBeforeItTouchesTheFile() throws IOException {
        SegmentFile segment = segmentOf(100);
        fileSystem.failTruncate = true;

        assertThatThrownBy(() -> segment.truncate(40)).isInstanceOf(IOException.class);

        assertThat(segment.size()).as("readers no longer reach the bytes being cut").isEqualTo(40);
    }

    @Test
    void everyCallUnpinsTheHandleItUsed() throws IOException {
        SegmentFile segment = segmentOf(100);

        segment.force();
        cache.closeIdle();
        assertThat(cache.openCount()).as("after force").isZero();

        assertThat(segment.transferTo(0, 100, Channels.newChannel(new ByteArrayOutputStream()))).isEqualTo(100);
        cache.closeIdle();
        assertThat(cache.openCount()).as("after transferTo").isZero();

        segment.readFully(ByteBuffer.allocate(10), 0);
        cache.closeIdle();
        assertThat(cache.openCount()).as("after readFully").isZero();
    }

    @Test
    void aSyncIsRefusedAfterClose() throws IOException {
        SegmentFile segment = segmentOf(10);
        segment.close();

        assertThatThrownBy(segment::startSync).isInstanceOf(ClosedChannelException.class);
        assertThat(cache.openCount()).isZero();
    }

    @Test
    void aThirdOverlappingSyncIsRefused() throws IOException {
        SegmentFile segment = segmentOf(10);
        int first = segment.startSync();
        int second = segment.startSync();

        assertThatThrownBy(segment::startSync).isInstanceOf(IllegalStateException.class).hasMessageContaining("more than 2 fsyncs");

        assertThat(first).isNotEqualTo(second);
        segment.endSync(first);
        segment.endSync(second);
        cache.closeIdle();
        assertThat(cache.openCount()).isZero();
    }

    @Test
    void aSyncWhoseSecondDescriptorCannotBeOpenedLeavesNothingPinned() throws IOException {
        SegmentFile segment = segmentOf(10);
        fileSystem.writeOnlyOpensLeft = 1;

        assertThatThrownBy(segment::startSync).isInstanceOf(IOException.class).hasMessageContaining("no descriptor left");
        cache.closeIdle();
        assertThat(cache.openCount()).as("the first descriptor unpinned").isZero();

        fileSystem.writeOnlyOpensLeft = -1;
        int slot = segment.startSync();
        segment.forceSlot(slot);
        segment.endSync(slot);
        cache.closeIdle();
        assertThat(cache.openCount()).isZero();
    }
}
