package dev.ferry.kafka.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Encodes one response: the 4-byte size, the response header in the version the API and request
 * version call for (ApiVersions always answers with header v0, flexible versions carry tagged
 * fields), then the body, all through kafka-clients' generated {@code write} methods.
 *
 * <p>The result is a list of Netty messages: buffers, and for every {@link LogSliceRecords} a
 * file region in its place ({@link PinnedSliceRegion}, sent by sendfile), so that fetched batches go
 * from the segment file to the socket without passing through the heap.
 */
public final class ResponseWriter {
    private ResponseWriter() {
    }

    /** The messages to write, in order: the size, header and body, with file regions for log slices. */
    public static List<Object> encode(ByteBufAllocator allocator, int correlationId, ApiKeys apiKey, short apiVersion,
                                      ApiMessage body) {
        short headerVersion = apiKey.responseHeaderVersion(apiVersion);
        return encode(allocator, correlationId, headerVersion, apiVersion, body);
    }

    /** As above with the header version given (ApiVersions' v0 fallback). */
    public static List<Object> encode(ByteBufAllocator allocator, int correlationId, short headerVersion,
                                      short apiVersion, ApiMessage body) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        MessageSizeAccumulator size = new MessageSizeAccumulator();
        header.addSize(size, cache, headerVersion);
        body.addSize(size, cache, apiVersion);
        List<Object> parts = new ArrayList<>(2);
        BufWritable writable = new BufWritable(allocator, parts, RequestFrameDecoder.SIZE_BYTES + size.sizeExcludingZeroCopy());
        writable.writeInt(size.totalSize());
        header.write(writable, cache, headerVersion);
        body.write(writable, cache, apiVersion);
        writable.finish();
        return parts;
    }

    /** A {@link Writable} over Netty buffers that cuts out log slices as file regions. */
    private static final class BufWritable implements Writable {
        private final ByteBufAllocator allocator;
        private final List<Object> parts;
        private ByteBuf buffer;

        BufWritable(ByteBufAllocator allocator, List<Object> parts, int initialCapacity) {
            this.allocator = allocator;
            this.parts = parts;
            this.buffer = allocator.buffer(initialCapacity);
        }

        @Override
        public void writeRecords(BaseRecords records) {
            if (records instanceof LogSliceRecords sliceRecords) {
                if (sliceRecords.sizeInBytes() > 0) {
                    parts.add(buffer);
                    parts.add(PinnedSliceRegion.of(sliceRecords.slice()));
                    buffer = allocator.buffer();
                }
            } else if (records instanceof MemoryRecords memory) {
                writeByteBuffer(memory.buffer());
            } else {
                throw new IllegalArgumentException("cannot write records of type " + records.getClass().getName());
            }
        }

        void finish() {
            if (buffer.isReadable() || parts.isEmpty()) {
                parts.add(buffer);
            } else {
                buffer.release();
            }
        }

        @Override
        public void writeByte(byte value) {
            buffer.writeByte(value);
        }

        @Override
        public void writeShort(short value) {
            buffer.writeShort(value);
        }

        @Override
        public void writeInt(int value) {
            buffer.writeInt(value);
        }

        @Override
        public void writeLong(long value) {
            buffer.writeLong(value);
        }

        @Override
        public void writeDouble(double value) {
            buffer.writeDouble(value);
        }

        @Override
        public void writeByteArray(byte[] bytes) {
            buffer.writeBytes(bytes);
        }

        @Override
        public void writeUnsignedVarint(int value) {
            while ((value & 0xffffff80) != 0) {
                buffer.writeByte((value & 0x7f) | 0x80);
                value >>>= 7;
            }
            buffer.writeByte(value);
        }

        @Override
        public void writeByteBuffer(ByteBuffer source) {
            buffer.writeBytes(source.duplicate());
        }

        @Override
        public void writeVarint(int value) {
            writeUnsignedVarint((value << 1) ^ (value >> 31));
        }

        @Override
        public void writeVarlong(long value) {
            long v = (value << 1) ^ (value >> 63);
            while ((v & 0xffffffffffffff80L) != 0L) {
                buffer.writeByte(((int) v & 0x7f) | 0x80);
                v >>>= 7;
            }
            buffer.writeByte((int) v);
        }
    }
}
