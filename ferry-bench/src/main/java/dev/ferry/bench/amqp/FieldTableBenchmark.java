package dev.ferry.bench.amqp;

import dev.ferry.amqp.codec.FieldTableCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A typical message headers table (6 entries, see {@link BenchFrames#headers()}) through
 * {@link FieldTableCodec}: {@code writeTable} into a reused pooled direct buffer, and
 * {@code readTable} from one, as the content header codec does for the {@code headers} property.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class FieldTableBenchmark {
    private Map<String, Object> headers;
    private ByteBuf encoded;
    private ByteBuf scratch;

    @Setup(Level.Trial)
    public void setUp() {
        headers = BenchFrames.headers();
        encoded = ByteBufAllocator.DEFAULT.directBuffer(512);
        FieldTableCodec.writeTable(encoded, headers);
        scratch = ByteBufAllocator.DEFAULT.directBuffer(512);
        Map<String, Object> decoded = FieldTableCodec.readTable(encoded.duplicate());
        if (!decoded.equals(headers)) {
            throw new IllegalStateException("round trip changed the table: " + decoded);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encoded.release();
        scratch.release();
    }

    @Benchmark
    public int encodeHeaders() {
        scratch.clear();
        FieldTableCodec.writeTable(scratch, headers);
        return scratch.writerIndex();
    }

    @Benchmark
    public Map<String, Object> decodeHeaders() {
        encoded.readerIndex(0);
        return FieldTableCodec.readTable(encoded);
    }
}
