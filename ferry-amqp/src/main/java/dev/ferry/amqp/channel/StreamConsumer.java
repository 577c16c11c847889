package dev.ferry.amqp.channel;

import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.record.internal.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.amqp.method.BasicDeliver;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.log.LogSlice;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.route.Arguments;
import dev.ferry.stream.AmqpRecordMapping;
import dev.ferry.stream.HighWatermarkWait;
import dev.ferry.stream.Partition;
import dev.ferry.stream.StreamQueues;
import dev.ferry.text.LogSafe;

/**
 * One AMQP consumer of a stream (a topic partition): it reads the partition from its own offset
 * and sends each record as a basic.deliver carrying {@code x-stream-offset}, at most
 * {@code prefetch} unacknowledged at a time. An ack gives credit back and moves nothing else, as in
 * RabbitMQ: the stream keeps every record until retention removes it.
 *
 * <p>When it has credit and has read everything durable, it parks on the partition's high
 * watermark and is woken (on the flusher's thread, which only hands over to the event loop) when a
 * new record is fsynced: no polling. It reads whole batches, at most {@link #READ_BYTES_MAX} at a
 * time (more only when one batch is larger), and keeps what it read but could not deliver yet for
 * the next credit, so a small prefetch does not read the same bytes again for every ack.
 *
 * <p>Event-loop confined: everything runs on the channel's event loop.
 */
final class StreamConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(StreamConsumer.class);
    /** The AMQP header that tells a stream consumer a record's offset (RabbitMQ's name). */
    static final String OFFSET_HEADER = "x-stream-offset";
    private static final int READ_BYTES_MAX = 256 * 1024;

    /** What to do when the stream is gone (deleted) while consuming. */
    interface Ended {
        void streamEnded(StreamConsumer consumer);
    }

    private final ChannelSession session;
    private final String consumerTag;
    private final String streamDescription;
    private final Partition partition;
    private final int prefetch;
    private final Ended ended;
    private final Runnable pumpOnEventLoop = this::pump;
    private long nextOffset;
    // Records read but not delivered yet (no credit left), from nextOffset on; null when none.
    private List<Record> readAhead;
    private int readAheadIndex;
    // Where the read that filled readAhead said to continue once it is used up.
    private long readAheadContinueAt;
    private int unacked;
    private HighWatermarkWait parked;
    private boolean stopped;

    StreamConsumer(ChannelSession session, String consumerTag, String streamDescription, Partition partition,
                   long startOffset, int prefetch, Ended ended) {
        this.session = session;
        this.consumerTag = consumerTag;
        this.streamDescription = streamDescription;
        this.partition = partition;
        this.nextOffset = startOffset;
        this.prefetch = prefetch;
        this.ended = ended;
    }

    /**
     * The first offset a consumer reads, from its {@code x-stream-offset} argument: absent or
     * {@code next} = the records appended from now on; {@code first} = the oldest kept; {@code last}
     * = the newest record (or the next one of an empty stream); a number = that offset, within what
     * the stream holds; a timestamp = the first record at or after it; an interval in
     * {@code x-max-age}'s form ({@code "1h"}, {@code "7D"}) = the first record at or after that long
     * ago.
     *
     * @throws BrokerException 406 with RabbitMQ 3.10's text for another value (RabbitMQ itself
     *     fails some of them, e.g. a word, with 541 INTERNAL_ERROR)
     */
    static long startOffset(Object argument, Partition partition, String streamDescription, long nowMs) {
        long start = partition.logStartOffset();
        long end = partition.highWatermark();
        if (argument == null || "next".equals(argument)) {
            return end;
        }
        if ("first".equals(argument)) {
            return start;
        }
        if ("last".equals(argument)) {
            return Math.max(start, end - 1);
        }
        if (argument instanceof Date timestamp) {
            return fromTimestamp(partition, timestamp.getTime());
        }
        if (argument instanceof String interval) {
            Optional<Long> ago = StreamQueues.maxAgeMs(interval);
            if (ago.isPresent()) {
                return fromTimestamp(partition, nowMs - ago.get());
            }
        }
        if (argument instanceof Byte || argument instanceof Short || argument instanceof Integer
                || argument instanceof Long) {
            long offset = ((Number) argument).longValue();
            return Math.min(Math.max(start, offset), end);
        }
        String shown = argument instanceof String text ? "<<\"" + text + "\">>" : String.valueOf(argument);
        throw BrokerException.preconditionFailed("PRECONDITION_FAILED - invalid arg '" + OFFSET_HEADER + "' for "
                + streamDescription + ": {invalid_stream_offset_arg,{" + Arguments.amqpTypeName(argument) + ","
                + shown + "}}");
    }

    private static long fromTimestamp(Partition partition, long timestampMs) {
        long offset = partition.offsetForTimestamp(timestampMs);
        return offset < 0 ? partition.highWatermark() : Math.max(partition.logStartOffset(), offset);
    }

    String consumerTag() {
        return consumerTag;
    }

    String streamDescription() {
        return streamDescription;
    }

    /** Starts (or resumes) delivering; called after consume-ok is on its way. */
    void pump() {
        if (stopped || session.isClosed()) {
            return;
        }
        parked = null;
        deliverReadAhead();
        while (unacked < prefetch) {
            if (partition.isClosed()) {
                end(new BrokerException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "the stream was deleted"));
                return;
            }
            long highWatermark = partition.highWatermark();
            if (nextOffset < partition.logStartOffset()) {
                // Retention or DeleteRecords removed what this consumer had not read yet.
                nextOffset = partition.logStartOffset();
                readAhead = null;
            }
            if (nextOffset >= highWatermark) {
                park();
                return;
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
                end(e);
                return;
            } catch (RuntimeException e) {
                end(e);
                return;
            }
            long continueAt = slice.nextOffset();
            int delivered = 0;
            for (int i = 0; i < records.size(); i++) {
                Record record = records.get(i);
                if (record.offset() < nextOffset) {
                    continue;
                }
                if (unacked >= prefetch) {
                    readAhead = records;
                    readAheadIndex = i;
                    readAheadContinueAt = continueAt;
                    return;
                }
                deliver(record);
                nextOffset = record.offset() + 1;
                delivered++;
            }
            if (continueAt > nextOffset) {
                nextOffset = continueAt; // past records a batch holds before nextOffset, or empty batches
            } else if (delivered == 0) {
                // Nothing readable yet below the high watermark (it moved while reading): wait for it.
                park();
                return;
            }
        }
    }

    /** Delivers what an earlier read left over, as far as the credit goes. */
    private void deliverReadAhead() {
        if (readAhead == null) {
            return;
        }
        while (readAheadIndex < readAhead.size() && unacked < prefetch) {
            Record record = readAhead.get(readAheadIndex++);
            if (record.offset() >= nextOffset) {
                deliver(record);
                nextOffset = record.offset() + 1;
            }
        }
        if (readAheadIndex >= readAhead.size()) {
            readAhead = null;
            nextOffset = Math.max(nextOffset, readAheadContinueAt);
        }
    }

    private void park() {
        long waitFor = nextOffset;
        parked = partition.whenHighWatermarkAbove(waitFor, () -> session.onEventLoop(pumpOnEventLoop));
    }

    private void deliver(Record record) {
        Message message = AmqpRecordMapping.toMessage(record);
        MessageProperties properties = message.properties();
        Map<String, Object> headers = properties.headers() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(properties.headers());
        headers.put(OFFSET_HEADER, record.offset());
        long tag = session.basicMethods().nextStreamDeliveryTag(this);
        unacked++;
        session.channel().sendContent(new BasicDeliver(consumerTag, tag, false, message.exchange(),
                message.routingKey()), properties.withHeaders(headers), message.body());
    }

    /** {@code count} of this consumer's deliveries were acknowledged: that much more credit. */
    void acknowledged(int count) {
        boolean wasFull = unacked >= prefetch;
        unacked = Math.max(0, unacked - count);
        if (wasFull && !stopped) {
            pump();
        }
    }

    /** Cancelled by the client or the channel closed: no more deliveries, no wake-ups left behind. */
    void stop() {
        stopped = true;
        readAhead = null;
        HighWatermarkWait wait = parked;
        parked = null;
        if (wait != null) {
            wait.cancel();
        }
    }

    private void end(Exception cause) {
        if (partition.isClosed()) {
            LOG.info("Consumer '{}' of {} ends: the stream was deleted", LogSafe.text(consumerTag), streamDescription);
        } else {
            LOG.warn("Consumer '{}' of {} ends: reading offset {} failed: {}", LogSafe.text(consumerTag),
                    streamDescription, nextOffset, cause.toString());
        }
        stop();
        ended.streamEnded(this);
    }
}
