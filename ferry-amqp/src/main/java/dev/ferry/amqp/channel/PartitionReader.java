package dev.ferry.amqp.channel;

import java.util.List;

import org.apache.kafka.common.record.internal.Record;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.log.LogSlice;
import dev.ferry.stream.HighWatermarkWait;
import dev.ferry.stream.Partition;

/**
 * Where a {@link StreamConsumer} is in one partition: the next offset to deliver, what it read but
 * could not deliver yet, and its wait on the high watermark once it has delivered everything
 * durable. The consumer gives it turns ({@link #deliver}) with a number of records it may send;
 * records of one partition go out in offset order.
 *
 * <p>It reads whole batches, at most {@link #READ_BYTES_MAX} at a time (more only when one batch
 * is larger), and keeps what it read beyond its turn for the next one, so a small prefetch does not
 * read the same bytes again for every ack. Parked, it is woken (on the flusher's thread, which only
 * queues a task on the event loop) when a new record is fsynced: no polling.
 *
 * <p>Event-loop confined, like its consumer.
 */
final class PartitionReader {
    /** What {@link #deliver} returns when the partition cannot be read any more. */
    static final int ENDED = -1;
    private static final int READ_BYTES_MAX = 256 * 1024;

    private final StreamConsumer consumer;
    private final Partition partition;
    private final Runnable wake;
    private long nextOffset;
    // Records read but not delivered yet, from nextOffset on; null when none.
    private List<Record> readAhead;
    private int readAheadIndex;
    // Where the read that filled readAhead said to continue once it is used up.
    private long readAheadContinueAt;
    private HighWatermarkWait parked;
    private Exception failure;

    PartitionReader(StreamConsumer consumer, ChannelSession session, Partition partition, long startOffset) {
        this.consumer = consumer;
        this.partition = partition;
        this.nextOffset = startOffset;
        Runnable woken = this::woken;
        // Always queued (never run inline), so it cannot run before park() has remembered its wait.
        this.wake = () -> session.onEventLoopLater(woken);
    }

    int partitionIndex() {
        return partition.index();
    }

    long nextOffset() {
        return nextOffset;
    }

    /** Why the last turn returned {@link #ENDED}. */
    Exception failure() {
        return failure;
    }

    boolean partitionClosed() {
        return partition.isClosed();
    }

    /**
     * A turn: sends up to {@code max} records through the consumer and returns how many, 0 when
     * it waits for the high watermark, or {@link #ENDED} when the partition is gone or unreadable.
     */
    int deliver(int max) {
        if (parked != null) {
            return 0;
        }
        int delivered = deliverReadAhead(max);
        while (delivered < max) {
            if (partition.isClosed()) {
                failure = new BrokerException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "the stream was deleted");
                return ENDED;
            }
            long highWatermark = partition.highWatermark();
            if (nextOffset < partition.logStartOffset()) {
                // Retention or DeleteRecords removed what this consumer had not read yet.
                nextOffset = partition.logStartOffset();
                readAhead = null;
            }
            if (nextOffset >= highWatermark) {
                park();
                return delivered;
            }
            LogSlice slice;
            List<Record> records;
            try {
                slice = partition.read(nextOffset, READ_BYTES_MAX);
                records = slice.readRecords();
            } catch (BrokerException e) {
                if (e.errorCode() == ErrorCode.OFFSET_OUT_OF_RANGE) {
                    nextOffset = Math.max(partition.logStartOffset(), Math.min(nextOffset, partition.highWatermark()));
                    continue;
                }
                failure = e;
                return ENDED;
            } catch (RuntimeException e) {
                failure = e;
                return ENDED;
            }
            long continueAt = slice.nextOffset();
            int deliveredFromRead = 0;
            for (int i = 0; i < records.size(); i++) {
                Record record = records.get(i);
                if (record.offset() < nextOffset) {
                    continue;
                }
                if (delivered >= max) {
                    readAhead = records;
                    readAheadIndex = i;
                    readAheadContinueAt = continueAt;
                    return delivered;
                }
                consumer.deliver(this, record);
                nextOffset = record.offset() + 1;
                delivered++;
                deliveredFromRead++;
            }
            if (continueAt > nextOffset) {
                nextOffset = continueAt; // past records a batch holds before nextOffset, or empty batches
            } else if (deliveredFromRead == 0) {
                // Nothing readable yet below the high watermark (it moved while reading): wait for it.
                park();
                return delivered;
            }
        }
        return delivered;
    }

    /** Delivers what an earlier read left over, up to {@code max}; returns how many. */
    private int deliverReadAhead(int max) {
        if (readAhead == null) {
            return 0;
        }
        int delivered = 0;
        while (readAheadIndex < readAhead.size() && delivered < max) {
            Record record = readAhead.get(readAheadIndex++);
            if (record.offset() >= nextOffset) {
                consumer.deliver(this, record);
                nextOffset = record.offset() + 1;
                delivered++;
            }
        }
        if (readAheadIndex >= readAhead.size()) {
            readAhead = null;
            nextOffset = Math.max(nextOffset, readAheadContinueAt);
        }
        return delivered;
    }

    private void park() {
        parked = partition.whenHighWatermarkAbove(nextOffset, wake);
    }

    private void woken() {
        parked = null;
        consumer.pump();
    }

    /** No more turns: the wait on the partition, if any, is withdrawn and the read-ahead dropped. */
    void stop() {
        readAhead = null;
        HighWatermarkWait wait = parked;
        if (wait != null) {
            wait.cancel();
        }
    }
}
