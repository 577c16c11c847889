package dev.ferry.bench.amqp;

import dev.ferry.amqp.codec.AmqpFrames;
import dev.ferry.amqp.codec.FrameDecoder;
import dev.ferry.amqp.codec.FrameWriter;
import dev.ferry.amqp.codec.InboundFrame;
import dev.ferry.amqp.method.BasicPublish;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Inbound publishes through {@link FrameDecoder}: each invocation hands the decoder one pooled
 * direct buffer holding {@value #MESSAGES_PER_READ} whole messages (basic.publish method frame,
 * content header with 5 properties, one body frame), as one socket read from a busy publisher
 * would, and the decoded frames go to the next handler in the pipeline, which releases the body
 * slices as the content assembler does after copying them. One operation is one message (3 frames).
 *
 * <p>The decoder runs in an {@link EmbeddedChannel} pipeline (decoder, then a counting sink), so
 * {@code ByteToMessageDecoder}'s cumulation and hand-off cost is included, as on a real socket.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class FrameDecodeBenchmark {
    static final int MESSAGES_PER_READ = 32;

    @Param({"12", "1024"})
    public int bodyBytes;

    private EmbeddedChannel channel;
    private ChannelPipeline pipeline;
    private CountingSink sink;
    private ByteBuf stream;

    @Setup(Level.Trial)
    public void setUp() {
        sink = new CountingSink();
        channel = new EmbeddedChannel(new FrameDecoder(BenchFrames.FRAME_MAX), sink);
        pipeline = channel.pipeline();
        pipeline.fireChannelRead(Unpooled.wrappedBuffer(AmqpFrames.protocolHeader()));

        stream = ByteBufAllocator.DEFAULT.directBuffer();
        byte[] body = BenchFrames.body(bodyBytes);
        for (int i = 0; i < MESSAGES_PER_READ; i++) {
            FrameWriter.writeMethod(stream, BenchFrames.CHANNEL,
                    new BasicPublish(BenchFrames.EXCHANGE, BenchFrames.ROUTING_KEY, false, false));
            FrameWriter.writeContentHeader(stream, BenchFrames.CHANNEL, BasicPublish.CLASS_ID, body.length,
                    BenchFrames.properties());
            FrameWriter.writeBody(stream, BenchFrames.CHANNEL, body, BenchFrames.FRAME_MAX);
        }

        // Check once that the stream decodes to what we think, so the figures measure the real path.
        sink.reset();
        decodeOneRead();
        if (sink.methods != MESSAGES_PER_READ || sink.headers != MESSAGES_PER_READ
                || sink.bodyBytes != (long) MESSAGES_PER_READ * bodyBytes || sink.errors != 0) {
            throw new IllegalStateException("unexpected decode: " + sink);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stream.release();
        channel.finishAndReleaseAll();
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES_PER_READ)
    public long decodePublish() {
        decodeOneRead();
        return sink.methods;
    }

    private void decodeOneRead() {
        // The decoder releases the buffer it consumed, as it does a socket read.
        pipeline.fireChannelRead(stream.retainedDuplicate());
    }

    /** Stands in for the connection handler: takes each frame and releases body slices. */
    static final class CountingSink extends ChannelInboundHandlerAdapter {
        long methods;
        long headers;
        long bodyBytes;
        long errors;

        void reset() {
            methods = 0;
            headers = 0;
            bodyBytes = 0;
            errors = 0;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof InboundFrame.Body body) {
                bodyBytes += body.payload().readableBytes();
                body.payload().release();
            } else if (msg instanceof InboundFrame.Method method && method.method() instanceof BasicPublish) {
                methods++;
            } else if (msg instanceof InboundFrame.Header header && header.header().bodySize() >= 0) {
                headers++;
            } else if (!(msg instanceof InboundFrame.ProtocolHeader)) {
                errors++;
            }
        }

        @Override
        public String toString() {
            return "methods=" + methods + " headers=" + headers + " bodyBytes=" + bodyBytes + " errors=" + errors;
        }
    }
}
