package dev.ferry.log;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.Records;

/**
 * What {@link Log#read} returns: a byte range of one segment file, starting at the batch that
 * holds the requested offset, as a Kafka Fetch response carries it.
 *
 * <p>Two ways to consume it:
 * <ul>
 *   <li>zero-copy: {@link #transferTo} (or {@link #fileChannel()} + {@link #filePosition()} +
 *       {@link #sizeInBytes()} for a Netty {@code FileRegion}) sends the bytes unchanged. Like a
 *       Kafka Fetch, the range may begin with records below {@link #startOffset()} (they share its
 *       batch) and may end with a partial batch; Kafka clients skip both and check CRCs themselves.</li>
 *   <li>decoded: {@link #readRecords()} checks every batch's CRC and returns only whole batches'
 *       records at or above {@link #startOffset()}; a batch that fails is never returned, the
 *       call throws {@link LogCorruptedException} instead.</li>
 * </ul>
 *
 * <p>Thread safety: immutable; use it from any thread, but promptly: after a deleted segment's
 * {@link LogConfig#segmentDeleteDelayMs()} its file is closed and the slice can no longer be read.
 */
public final class LogSlice {
    private final String logName;
    private final long startOffset;
    private final FileRecords records;
    private final FileChannel channel;
    private final long filePosition;

    LogSlice(String logName, long startOffset, FileRecords records, FileChannel channel, long filePosition) {
        this.logName = logName;
        this.startOffset = startOffset;
        this.records = records;
        this.channel = channel;
        this.filePosition = filePosition;
    }

    static LogSlice empty(String logName, long startOffset) {
        return new LogSlice(logName, startOffset, null, null, 0);
    }

    /** The offset that was asked for. */
    public long startOffset() {
        return startOffset;
    }

    public int sizeInBytes() {
        return records == null ? 0 : records.sizeInBytes();
    }

    public boolean isEmpty() {
        return sizeInBytes() == 0;
    }

    /** The bytes as Kafka's {@link Records} (a {@link FileRecords} slice), for a Kafka Fetch response. */
    public Records records() {
        return records == null ? MemoryRecords.EMPTY : records;
    }

    /** The segment file the bytes lie in; null when empty. Do not close it: the log owns it. */
    public FileChannel fileChannel() {
        return channel;
    }

    /** Where the bytes start in {@link #fileChannel()}. */
    public long filePosition() {
        return filePosition;
    }

    /** Sends all bytes to {@code target} with {@link FileChannel#transferTo} (sendfile on Linux). */
    public long transferTo(WritableByteChannel target) throws IOException {
        long size = sizeInBytes();
        long sent = 0;
        while (sent < size) {
            long now = channel.transferTo(filePosition + sent, size - sent, target);
            if (now <= 0 && !target.isOpen()) {
                throw new ClosedChannelException();
            }
            sent += now;
        }
        return sent;
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
        List<Record> result = new ArrayList<>();
        int size = sizeInBytes();
        if (size == 0) {
            return result;
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        try {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, filePosition + buffer.position()) < 0) {
                    throw new EOFException("segment file of log '" + logName + "' ended early");
                }
            }
        } catch (IOException e) {
            throw new LogStorageException(logName, "reading from offset " + startOffset + " failed", e);
        }
        buffer.flip();
        int at = 0;
        while (size - at >= LogSegment.BATCH_HEADER_BYTES) {
            ByteBuffer batchView = buffer.slice(at, size - at);
            String problem = LogSegment.checkHeader(batchView, -1, size - at);
            // A bad batch after good ones ends this read with the good ones; the next read starts at
            // the bad batch and fails there, so the caller learns the exact offset.
            if (problem != null) {
                if (at > 0) {
                    break;
                }
                throw new LogCorruptedException(logName, "the batch at segment byte " + filePosition
                        + " (reading from offset " + startOffset + "): " + problem);
            }
            int batchBytes = LogSegment.LOG_OVERHEAD_BYTES + batchView.getInt(LogSegment.LENGTH_POSITION);
            MutableRecordBatch batch = MemoryRecords.readableRecords(batchView.limit(batchBytes)).batches().iterator().next();
            if (!batch.isValid()) {
                if (at > 0) {
                    break;
                }
                throw new LogCorruptedException(logName, "the batch at offset " + batch.baseOffset()
                        + " fails its CRC check (segment byte " + filePosition + ")");
            }
            if (batch.lastOffset() >= startOffset) {
                for (Record record : batch) {
                    if (record.offset() >= startOffset) {
                        result.add(record);
                    }
                }
            }
            at += batchBytes;
        }
        return result;
    }

    @Override
    public String toString() {
        return "LogSlice{" + logName + " from " + startOffset + ", " + sizeInBytes() + " bytes}";
    }
}
