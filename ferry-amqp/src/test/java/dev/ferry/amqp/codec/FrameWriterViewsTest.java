package dev.ferry.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.amqp.method.BasicDeliver;
import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * A delivery written as views of an off-heap body must put on the wire exactly the bytes of the
 * copying writer: any frame size, any body size, a body that fills its last frame or not.
 */
class FrameWriterViewsTest {
    private static final MessageProperties PROPERTIES = new MessageProperties("application/octet-stream", null,
            Map.of("k", "v"), MessageProperties.PERSISTENT, -1, null, null, null, null, null, null, null, null, null);

    @Property(tries = 200)
    void viewsCarryTheSameBytesAsOneCopiedBuffer(@ForAll @IntRange(min = 0, max = 70_000) int bodySize,
                                                 @ForAll @IntRange(min = 4096, max = 20_000) int frameMax,
                                                 @ForAll @IntRange(min = 0, max = 3) int position) {
        ByteBuffer body = ByteBuffer.allocateDirect(bodySize + position);
        for (int i = 0; i < body.capacity(); i++) {
            body.put(i, (byte) (i * 31 + 7));
        }
        body.position(position);
        BasicDeliver method = new BasicDeliver("ctag", 42, false, "ex", "rk");

        ByteBuf copied = Unpooled.buffer();
        FrameWriter.writeContent(copied, 3, method, PROPERTIES, body, frameMax);
        List<ByteBuf> parts = new ArrayList<>();
        FrameWriter.writeContentAsViews(ByteBufAllocator.DEFAULT, 3, method, PROPERTIES, body, frameMax, parts::add);
        List<ByteBuf> shared = parts.stream().map(ByteBuf::unwrap).filter(b -> b != null).toList();
        ByteBuf joined = Unpooled.wrappedBuffer(parts.toArray(ByteBuf[]::new));
        try {
            assertThat(ByteBufUtil.getBytes(joined)).isEqualTo(ByteBufUtil.getBytes(copied));
            assertThat(body.position()).as("the body's own position is not moved").isEqualTo(position);
        } finally {
            joined.release();
            copied.release();
        }
        assertThat(parts).as("every part is given back once written").allMatch(part -> part.refCnt() == 0);
        assertThat(shared).as("the buffers the parts were cut from").allMatch(buffer -> buffer.refCnt() == 0);
    }

    @Test
    void aLargeBodyIsNotCopied() {
        ByteBuffer body = ByteBuffer.allocateDirect(1 << 20);
        List<ByteBuf> parts = new ArrayList<>();
        FrameWriter.writeContentAsViews(ByteBufAllocator.DEFAULT, 1, new BasicDeliver("c", 1, false, "", "q"),
                PROPERTIES, body, 131_072, parts::add);
        // Head, view, end-and-head, view, ..., end: the body's bytes are all in the views.
        long outsideViews = 0;
        long inViews = 0;
        for (int i = 0; i < parts.size(); i++) {
            if (i % 2 == 0) {
                outsideViews += parts.get(i).readableBytes();
            } else {
                inViews += parts.get(i).readableBytes();
            }
        }
        assertThat(inViews).isEqualTo(1 << 20);
        assertThat(outsideViews).as("frame headers and ends only").isLessThan(200);
        // A view writes through to the body: it is the body's memory, not a copy of it.
        ByteBuf firstView = parts.get(1);
        body.put(0, (byte) 99);
        assertThat(firstView.getByte(0)).isEqualTo((byte) 99);
        assertThat(parts.get(2).unwrap()).as("the separators are slices of one buffer")
                .isSameAs(parts.get(parts.size() - 1)).isSameAs(parts.get(4).unwrap());
        parts.forEach(ByteBuf::release);
    }
}
