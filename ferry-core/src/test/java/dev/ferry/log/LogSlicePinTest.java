package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pinned slice is its segment file's own channel and range, kept open through the log's close
 * and the cache's evictions until the pin is given back, and only until then.
 */
class LogSlicePinTest {
    @TempDir
    Path directory;

    private static byte[] sent(LogSlice slice) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        slice.transferTo(Channels.newChannel(bytes));
        return bytes.toByteArray();
    }

    private static byte[] read(PinnedRange range) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(range.count());
        while (buffer.hasRemaining()) {
            if (range.channel().read(buffer, range.position() + buffer.position()) < 0) {
                throw new IOException("the file ended early");
            }
        }
        return buffer.array();
    }

    @Test
    void shouldGiveTheSlicesBytesAsARangeOfItsSegmentFile() throws IOException {
        try (Log log = Log.open(directory.resolve("log"), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 5, 40);
            appendRecords(log, 5, 40);
            LogSlice slice = log.read(5, 1024 * 1024);

            try (PinnedRange range = slice.pin()) {
                assertThat(range.position()).isPositive();
                assertThat(range.count()).isEqualTo(slice.sizeInBytes());
                assertThat(read(range)).isEqualTo(sent(slice));
            }
        }
    }

    @Test
    void shouldKeepThePinnedChannelOpenThroughTheLogsCloseUntilThePinIsGivenBack() throws IOException {
        Log log = Log.open(directory.resolve("log"), smallConfig(FsyncPolicy.NEVER));
        appendRecords(log, 5, 40);
        LogSlice slice = log.read(0, 1024 * 1024);
        byte[] expected = sent(slice);
        PinnedRange range = slice.pin();
        FileChannel channel = range.channel();

        log.close();

        assertThat(channel.isOpen()).isTrue();
        assertThat(read(range)).isEqualTo(expected);
        range.close();
        assertThat(channel.isOpen()).isFalse();
        range.close(); // a second close gives nothing back twice
        assertThatThrownBy(slice::pin).isInstanceOf(ClosedChannelException.class);
    }

    @Test
    void shouldNotLetTheCacheCloseAPinnedChannelToMakeRoom() throws IOException {
        FileHandleCache cache = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        try (Log pinned = Log.open(directory.resolve("pinned"), smallConfig(FsyncPolicy.NEVER), null, cache)) {
            appendRecords(pinned, 5, 40);
            LogSlice slice = pinned.read(0, 1024 * 1024);
            byte[] expected = sent(slice);
            try (PinnedRange range = slice.pin()) {
                long evictionsBefore = cache.evictions();
                List<Log> others = new ArrayList<>();
                try {
                    for (int i = 0; i < 3 * FileHandleCache.CAPACITY_MIN; i++) {
                        Log other = Log.open(directory.resolve("other-" + i), smallConfig(FsyncPolicy.NEVER), null, cache);
                        others.add(other);
                        appendRecords(other, 1, 40);
                    }

                    assertThat(cache.evictions()).isGreaterThan(evictionsBefore);
                    assertThat(range.channel().isOpen()).isTrue();
                    assertThat(read(range)).isEqualTo(expected);
                } finally {
                    others.forEach(Log::close);
                }
            }
        }
    }
}
