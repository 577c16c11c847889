package dev.ferry.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

/**
 * What {@link Log#read} returns: a byte range of one segment file, starting at the batch that
 * holds the requested offset, as a Kafka Fetch response carries it.
 *
 * <p>Two ways to consume it:
 * <ul>
 *   <li>zero-copy: {@link #transferTo} sends the bytes unchanged (sendfile on Linux; a Netty
 *       {@code FileRegion} can wrap {@link #transferTo(long, long, WritableByteChannel)}). Like a
 *       Kafka Fetch, the range may begin with records below {@link #startOffset()} (they share its
 *       batch), may end with a partial batch and may hold empty batches where recovery removed
 *       damage; Kafka clients skip all three and check CRCs themselves.</li>
 *   <li>decoded: {@link #readRecords()} checks every batch's CRC and returns only whole batches'
 *       records at or above {@link #startOffset()}; a batch that fails is never returned, the
 *       call throws {@link LogCorruptedException} instead. {@link #nextOffset()} says where the
 *       next read continues: an empty result is not the end of the log when the slice held only
 *       empty batches.</li>
 * </ul>
 *
 * <p>The slice holds no file descriptor: each call opens the segment file through the log's
 * {@link FileHandleCache} if it was closed meanwhile, so a slice stays readable however long it is
 * kept, until its segment is deleted (plus {@link LogConfig#segmentDeleteDelayMs()}) or its log closed.
 *
 * <p>Thread safety: immutable in effect (the decoded result is computed once); use it from any thread.
 */
public final class LogSlice {
    private final String logName;
    private final long startOffset;
    private final SegmentFile file;
    private final long filePosition;
    private final int sizeInBytes;
    private volatile Decoded decoded;

    LogSlice(String logName, long startOffset, SegmentFile file, long filePosition, int sizeInBytes) {
        this.logName = logName;
        this.startOffset = startOffset;
        this.file = file;
        this.filePosition = filePosition;
        this.sizeInBytes = sizeInBytes;
    }

    static LogSlice empty(String logName, long startOffset) {
        return new LogSlice(logName, startOffset, null, 0, 0);
    }

    /** The offset that was asked for. */
    public long startOffset() {
        return startOffset;
    }

    public int sizeInBytes() {
        return sizeInBytes;
    }

    public boolean isEmpty() {
        return sizeInBytes == 0;
    }

    /** Sends all bytes to {@code target} (sendfile on Linux); returns how many. */
    public long transferTo(WritableByteChannel target) throws IOException {
        long sent = 0;
        while (sent < sizeInBytes) {
            long now = transferTo(sent, sizeInBytes - sent, target);
            if (now <= 0 && !target.isOpen()) {
                throw new ClosedChannelException();
            }
            sent += now;
        }
        return sent;
    }

    /**
     * The slice's bytes as a range of its segment file's channel, held open until the range is
     * closed (see {@link PinnedRange}). Unlike the slice itself, the range holds a descriptor.
     *
     * @throws ClosedChannelException if the segment was deleted or the log closed meanwhile
     */
    public PinnedRange pin() throws IOException {
        return file.pin(filePosition, sizeInBytes);
    }

    /**
     * Sends up to {@code count} bytes starting {@code offsetInSlice} bytes into the slice; returns
     * how many were sent (possibly fewer, as {@link java.nio.channels.FileChannel#transferTo}).
     */
    public long transferTo(long offsetInSlice, long count, WritableByteChannel target) throws IOException {
        if (offsetInSlice < 0 || count < 0 || offsetInSlice + count > sizeInBytes) {
            throw new IndexOutOfBoundsException("bytes " + offsetInSlice + ".." + (offsetInSlice + count)
                    + " are outside the slice's " + sizeInBytes);
        }
        if (count == 0) {
            return 0;
        }
        return file.transferTo(filePosition + offsetInSlice, count, target);
    }

    /** A copy of the slice's bytes, as a Kafka {@link MemoryRecords} would wrap them. */
    public ByteBuffer readBytes() {
        return readInto(ByteBuffer.allocate(sizeInBytes));
    }

    private ByteBuffer readInto(ByteBuffer buffer) {
        if (sizeInBytes > 0) {
            try {
                file.readFully(buffer, filePosition);
            } catch (IOException e) {
                throw new LogStorageException(logName, "reading from offset " + startOffset + " failed: " + e, e);
            }
        }
        return buffer.flip();
    }

    /**
     * Reads the slice into memory, checks every batch (header and CRC32C) and returns the records
     * with offsets at or above {@link #startOffset()}. A partial batch at the end is left out (the
     * next read starts there). At least the batch holding {@code startOffset} is always whole.
     * A batch that fails its checks ends the result; none of its records is ever returned.
     *
     * @throws LogCorruptedException if the first batch (the one holding {@code startOffset}) fails
     */
    public List<Record> readRecords() {
        return decode().records;
    }

    /**
     * Where the next read continues: one past the last offset of the whole, valid batches this
     * slice holds (so past empty batches too); {@link #startOffset()} for an empty slice.
     *
     * @throws LogCorruptedException as {@link #readRecords()}
     */
    public long nextOffset() {
        return decode().nextOffset;
    }

    private Decoded decode() {
        Decoded result = decoded;
        if (result == null) {
            result = decodeNow();
            decoded = result;
        }
        return result;
    }

    private Decoded decodeNow() {
        if (sizeInBytes == 0) {
            return new Decoded(List.of(), startOffset);
        }
        return decodeNow(readBytes());
    }

    /**
     * As {@link #readRecords()}, but a large slice is read into {@code into} (off the heap, reused)
     * instead of a new heap buffer; a small one is read as {@link #readRecords()} reads it. The
     * records returned are valid until {@code into} is used again or closed, and so are those of
     * later {@link #readRecords()} calls on this slice (it keeps what it decoded).
     *
     * @throws LogCorruptedException as {@link #readRecords()}
     */
    public List<Record> readRecords(ReadBuffer into) {
        if (!LargeBuffers.isLarge(sizeInBytes)) {
            return readRecords();
        }
        Decoded result = decoded;
        if (result == null) {
            result = decodeNow(readInto(into.take(sizeInBytes)));
            decoded = result;
        }
        return result.records;
    }

    private Decoded decodeNow(ByteBuffer buffer) {
        List<Record> records = new ArrayList<>();
        long nextOffset = startOffset;
        int at = 0;
        while (sizeInBytes - at >= BatchFormat.HEADER_BYTES) {
            ByteBuffer batchView = buffer.slice(at, sizeInBytes - at);
            String problem = BatchFormat.checkHeader(batchView, -1, sizeInBytes - at, true);
            // A bad batch after good ones ends this read with the good ones; the next read starts at
            // the bad batch and fails there, so the caller learns the exact offset.
            if (problem == null && !BatchFormat.crcMatches(batchView.limit(BatchFormat.LOG_OVERHEAD_BYTES
                    + batchView.getInt(BatchFormat.LENGTH_POSITION)))) {
                problem = "fails its CRC check";
            }
            if (problem != null) {
                if (at > 0) {
                    break;
                }
                throw new LogCorruptedException(logName, "the batch at segment byte " + filePosition + " (reading from offset "
                        + startOffset + ", batch offset " + batchView.getLong(0) + ") " + problem);
            }
            int batchBytes = batchView.limit();
            try {
                MutableRecordBatch batch = MemoryRecords.readableRecords(batchView).batches().iterator().next();
                if (batch.lastOffset() >= startOffset) {
                    List<Record> fromBatch = new ArrayList<>();
                    for (Record record : batch) {
                        if (record.offset() >= startOffset) {
                            fromBatch.add(record);
                        }
                    }
                    records.addAll(fromBatch);
                }
                nextOffset = Math.max(nextOffset, batch.lastOffset() + 1);
            } catch (KafkaException | IllegalArgumentException | IndexOutOfBoundsException e) {
                if (at > 0) {
                    break;
                }
                throw new LogCorruptedException(logName, "the batch at offset " + batchView.getLong(0)
                        + " holds records that do not decode (segment byte " + filePosition + "): " + e.getMessage());
            }
            at += batchBytes;
        }
        return new Decoded(List.copyOf(records), nextOffset);
    }

    @Override
    public String toString() {
        return "LogSlice{" + logName + " from " + startOffset + ", " + sizeInBytes + " bytes}";
    }

    private static final class Decoded {
        final List<Record> records;
        final long nextOffset;

        Decoded(List<Record> records, long nextOffset) {
            this.records = records;
            this.nextOffset = nextOffset;
        }
    }
}
