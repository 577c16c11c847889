package dev.ferry.kafka.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.MessageSizeEstimator;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnswerSizesTest {
    private final MessageSizeEstimator.Handle sizes = AnswerSizes.INSTANCE.newHandle();

    @Test
    void shouldCountABufferAtItsReadableBytes() {
        var buffer = Unpooled.buffer(64).writeZero(40);
        buffer.readerIndex(10);

        assertThat(sizes.size(buffer)).isEqualTo(30);
        assertThat(sizes.size(new DefaultByteBufHolder(buffer))).isEqualTo(30);
    }

    @Test
    void shouldCountAFileRegionAtTheBytesItStillHasToSend(@TempDir Path directory) throws IOException {
        File file = Files.write(directory.resolve("segment"), new byte[4096]).toFile();
        DefaultFileRegion region = new DefaultFileRegion(file, 100, 3000);
        try {
            assertThat(sizes.size(region)).isEqualTo(3000);

            region.transferTo(Channels.newChannel(OutputStream.nullOutputStream()), 0);
            assertThat(region.transferred()).isPositive();
            assertThat(sizes.size(region)).isEqualTo(3000 - region.transferred());
        } finally {
            region.release();
        }
    }

    @Test
    void shouldCountAnythingElseAsNettyDoes() {
        assertThat(sizes.size("a message Netty does not know")).isEqualTo(8);
    }
}
