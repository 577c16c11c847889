package dev.ferry.kafka.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.front.TcpListener;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogSlice;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;
import io.netty.channel.epoll.Epoll;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fetched slice leaves as Netty's own file region (the kind its epoll transport sends with
 * sendfile) holding the segment's channel open until it is released, then lets it go.
 */
class PinnedSliceRegionTest {
    @TempDir
    Path directory;
    private TcpListener listener;

    @AfterEach
    void stopListener() {
        if (listener != null) {
            listener.shutdown();
        }
    }

    private static Log logWithRecords(Path directory) {
        Log log = Log.open(directory, new LogConfig().fsyncPolicy(FsyncPolicy.NEVER));
        for (int batch = 0; batch < 4; batch++) {
            List<SimpleRecord> records = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                records.add(new SimpleRecord(("value " + batch + "/" + i).repeat(10).getBytes(StandardCharsets.UTF_8)));
            }
            log.append(records).join();
        }
        return log;
    }

    private static byte[] copied(LogSlice slice) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        slice.transferTo(Channels.newChannel(bytes));
        return bytes.toByteArray();
    }

    /** A slice from {@code offset}, its bytes as the copying path sends them, and its pinned region, made before the log closes. */
    private record ClosedLogRegion(LogSlice slice, byte[] expected, FileRegion region) {
        static ClosedLogRegion from(Path directory, long offset) throws IOException {
            Log log = logWithRecords(directory);
            LogSlice slice = log.read(offset, 1 << 20);
            byte[] expected = copied(slice);
            FileRegion region = PinnedSliceRegion.of(slice);
            log.close();
            return new ClosedLogRegion(slice, expected, region);
        }
    }

    @Test
    void shouldSendTheSlicesBytesThroughARealSocketAndReleaseTheChannelAfter() throws Exception {
        // The region's pin keeps the file readable after its log closed: it is sent in full all the same.
        ClosedLogRegion pinned = ClosedLogRegion.from(directory.resolve("log"), 60);
        FileRegion region = pinned.region();
        assertThat(region).isInstanceOf(DefaultFileRegion.class);

        AtomicReference<String> transport = new AtomicReference<>();
        listener = new TcpListener("test", 1, channel -> channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext context) {
                transport.set(context.channel().getClass().getSimpleName());
                context.writeAndFlush(region).addListener(ChannelFutureListener.CLOSE);
            }
        }));
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int port = listener.bind(List.of(loopback), 0, bound -> { });
        byte[] received;
        try (Socket socket = new Socket(loopback, port)) {
            socket.setSoTimeout(20_000);
            InputStream in = socket.getInputStream();
            received = in.readAllBytes();
        }

        assertThat(received).isEqualTo(pinned.expected());
        await().atMost(Duration.ofSeconds(20)).until(() -> region.refCnt() == 0);
        // Epoll writes a DefaultFileRegion with sendfile; the region above is one.
        assertThat(transport.get()).isEqualTo(Epoll.isAvailable() ? "EpollSocketChannel" : "NioSocketChannel");
    }

    @Test
    void shouldCloseTheSegmentsChannelWhenTheRegionIsReleasedAfterTheLogClosed() throws Exception {
        ClosedLogRegion pinned = ClosedLogRegion.from(directory.resolve("log"), 0);
        FileRegion region = pinned.region();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (long at = 0; at < region.count(); ) {
            at += region.transferTo(Channels.newChannel(bytes), at);
        }
        assertThat(bytes.toByteArray()).isEqualTo(pinned.expected());
        region.release();

        // The cache closed the descriptor with the last pin: the slice can no longer be pinned or sent.
        assertThat(PinnedSliceRegion.of(pinned.slice())).isInstanceOf(LogSliceRegion.class);
    }
}
