package dev.ferry.bench.amqp;

import dev.ferry.amqp.codec.FrameWriter;
import dev.ferry.amqp.method.BasicDeliver;
import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Outbound deliveries the way {@code AmqpConnectionHandler.writeContent} writes them: a pooled
 * direct buffer sized by {@link FrameWriter#contentSizeEstimate}, then basic.deliver, the content
 * header (5 properties) and the body frame written into it with {@link FrameWriter#writeContent}.
 * The buffer is released instead of written to a socket. One operation is one delivery, including
 * the {@link BasicDeliver} record the channel allocates for it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class FrameEncodeBenchmark {
    @Param({"12", "1024"})
    public int bodyBytes;

    private final ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;
    private MessageProperties properties;
    private byte[] body;
    private long deliveryTag;

    @Setup(Level.Trial)
    public void setUp() {
        properties = BenchFrames.properties();
        body = BenchFrames.body(bodyBytes);
    }

    @Benchmark
    public int encodeDeliver() {
        ByteBuf buffer = allocator.ioBuffer(FrameWriter.contentSizeEstimate(body, BenchFrames.FRAME_MAX));
        try {
            FrameWriter.writeContent(buffer, BenchFrames.CHANNEL,
                    new BasicDeliver(BenchFrames.CONSUMER_TAG, ++deliveryTag, false, BenchFrames.EXCHANGE,
                            BenchFrames.ROUTING_KEY),
                    properties, body, BenchFrames.FRAME_MAX);
            return buffer.readableBytes();
        } finally {
            buffer.release();
        }
    }
}
