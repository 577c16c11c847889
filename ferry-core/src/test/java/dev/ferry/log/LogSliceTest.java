package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a reader gets from {@link Log#read}: the bytes sent in pieces and their bounds, and the decoded records kept. */
class LogSliceTest {
    @TempDir
    Path directory;

    private Log open() {
        return Log.open(directory.resolve("orders"), smallConfig(FsyncPolicy.NEVER));
    }

    /** Takes at most {@code perWrite} bytes a call, as a socket with a full send buffer does. */
    private static final class SlowChannel implements WritableByteChannel {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final int perWrite;
        int writes;

        SlowChannel(int perWrite) {
            this.perWrite = perWrite;
        }

        @Override
        public int write(ByteBuffer source) {
            int bytes = Math.min(perWrite, source.remaining());
            byte[] chunk = new byte[bytes];
            source.get(chunk);
            received.write(chunk, 0, bytes);
            writes++;
            return bytes;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void shouldSendEveryByteToAChannelThatTakesThemInSmallPieces() throws Exception {
        try (Log log = open()) {
            appendRecords(log, 5, 100);
            appendRecords(log, 5, 100);
            LogSlice slice = log.read(0, 100_000);
            byte[] expected = bytes(slice.readBytes());
            SlowChannel target = new SlowChannel(100);

            assertThat(slice.transferTo(target)).isEqualTo(slice.sizeInBytes());

            assertThat(target.received.toByteArray()).isEqualTo(expected);
            assertThat(target.writes).isGreaterThan(1);
        }
    }

    @Test
    void shouldSendAPartOfTheSliceAndRefuseARangeOutsideIt() throws Exception {
        try (Log log = open()) {
            appendRecords(log, 5, 100);
            LogSlice slice = log.read(0, 100_000);
            byte[] all = bytes(slice.readBytes());
            int size = slice.sizeInBytes();

            SlowChannel tail = new SlowChannel(size);
            assertThat(slice.transferTo(size - 30, 30, tail)).isEqualTo(30);
            assertThat(tail.received.toByteArray()).isEqualTo(Arrays.copyOfRange(all, size - 30, size));
            SlowChannel nothing = new SlowChannel(size);
            assertThat(slice.transferTo(size, 0, nothing)).isZero();
            assertThat(nothing.writes).isZero();

            assertThatThrownBy(() -> slice.transferTo(size - 30, 31, new SlowChannel(size)))
                    .isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessage("bytes " + (size - 30) + ".." + (size + 1) + " are outside the slice's " + size);
            assertThatThrownBy(() -> slice.transferTo(-1, 1, new SlowChannel(size)))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> slice.transferTo(0, -1, new SlowChannel(size)))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void shouldStopSendingToAChannelThatClosed() throws Exception {
        try (Log log = open()) {
            appendRecords(log, 5, 100);
            LogSlice slice = log.read(0, 100_000);
            // The peer goes away during the first write, which takes nothing.
            WritableByteChannel closed = new WritableByteChannel() {
                boolean open = true;

                @Override
                public int write(ByteBuffer source) {
                    open = false;
                    return 0;
                }

                @Override
                public boolean isOpen() {
                    return open;
                }

                @Override
                public void close() {
                }
            };

            assertThatThrownBy(() -> slice.transferTo(closed)).isInstanceOf(ClosedChannelException.class);
        }
    }

    @Test
    void shouldAnswerAnEmptySliceWithoutReading() {
        LogSlice empty = LogSlice.empty("orders", 42);

        assertThat(empty.isEmpty()).isTrue();
        assertThat(empty.sizeInBytes()).isZero();
        assertThat(empty.startOffset()).isEqualTo(42);
        assertThat(empty.readRecords()).isEmpty();
        assertThat(empty.nextOffset()).isEqualTo(42);
        assertThat(empty.readBytes().remaining()).isZero();
        assertThat(empty.toString()).isEqualTo("LogSlice{orders from 42, 0 bytes}");
    }

    @Test
    void shouldDecodeOnceAndKeepWhatItDecodedWhicheverWayItWasRead() {
        try (Log log = open(); ReadBuffer buffer = new ReadBuffer()) {
            appendRecords(log, 5, 100);
            LogSlice slice = log.read(3, 100_000);
            assertThat(slice.isEmpty()).isFalse();

            List<Record> viaBuffer = slice.readRecords(buffer);
            assertThat(viaBuffer).extracting(Record::offset).containsExactly(3L, 4L);
            assertThat(slice.readRecords()).as("a small slice is read on the heap and kept").isSameAs(viaBuffer);
            assertThat(slice.nextOffset()).isEqualTo(5);
        }
    }

    @Test
    void shouldKeepTheRecordsALargeSliceDecodedIntoTheReadBuffer() {
        try (Log log = Log.open(directory.resolve("large"), new LogConfig().fsyncPolicy(FsyncPolicy.NEVER)
                .batchBytesMax(4 * LargeBuffers.DIRECT_FROM_BYTES)); ReadBuffer buffer = new ReadBuffer()) {
            log.append(List.of(LogTestSupport.recordFor(0, 100))).join();
            log.append(List.of(LogTestSupport.recordFor(1, LargeBuffers.DIRECT_FROM_BYTES))).join();
            LogSlice slice = log.read(1, 1);
            assertThat(LargeBuffers.isLarge(slice.sizeInBytes())).isTrue();

            List<Record> viaBuffer = slice.readRecords(buffer);
            assertThat(viaBuffer).hasSize(1);
            assertThat(slice.readRecords(buffer)).isSameAs(viaBuffer);
            assertThat(slice.readRecords()).isSameAs(viaBuffer);
            assertThat(slice.nextOffset()).isEqualTo(2);
            assertThat(log.read(0, 1).readRecords(buffer)).singleElement()
                    .satisfies(record -> assertThat(LogTestSupport.matches(record, 100)).isTrue());
            assertThat(LogTestSupport.matches(viaBuffer.get(0), LargeBuffers.DIRECT_FROM_BYTES))
                    .as("a small slice is read on the heap, leaving the buffer's records alone").isTrue();
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
