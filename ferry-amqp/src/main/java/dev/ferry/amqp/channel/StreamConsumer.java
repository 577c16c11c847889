package dev.ferry.amqp.channel;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.route.Arguments;
import dev.ferry.stream.AmqpRecordMapping;
import dev.ferry.stream.HighWatermarkWait;
import dev.ferry.stream.Partition;
import dev.ferry.stream.StreamQueues;
import dev.ferry.stream.Topic;
import dev.ferry.text.ErlangTerms;
import dev.ferry.text.LogSafe;

/**
 * One AMQP consumer of a stream: it reads one partition of the topic, or every partition
 * (also those CreatePartitions adds while it runs), each through a {@link PartitionReader} from
 * its own offset, and sends each record as a basic.deliver carrying {@code x-stream-offset} (and,
 * for a topic of several partitions, Ferry's {@code x-stream-partition}), at most {@code prefetch}
 * unacknowledged at a time across all its partitions. An ack gives credit back and moves nothing
 * else, as in RabbitMQ: the stream keeps every record until retention removes it.
 *
 * <p>Design note: the partitions take turns, each sending at most {@link #TURN_RECORDS_MAX}
 * records (fewer when the credit runs out), and the next turn after a pause goes to the partition
 * after the one that had the last. So a partition with a deep backlog cannot starve the others,
 * while records of one partition keep their order. A partition with nothing durable left to read
 * parks on its high watermark and is skipped until it is woken.
 *
 * <p>Event-loop confined: everything runs on the channel's event loop.
 */
final class StreamConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(StreamConsumer.class);
    /** The AMQP header that tells a stream consumer a record's offset (RabbitMQ's name). */
    static final String OFFSET_HEADER = "x-stream-offset";
    /**
     * Ferry's header (and consume argument) naming a record's partition in a topic of several
     * partitions; RabbitMQ 3.10 has no partitioned streams over AMQP.
     */
    static final String PARTITION_HEADER = "x-stream-partition";
    /** The most records one partition sends in a turn before the next partition's turn. */
    static final int TURN_RECORDS_MAX = 32;

    /** What to do when the stream is gone (deleted) while consuming. */
    interface Ended {
        void streamEnded(StreamConsumer consumer);
    }

    private final ChannelSession session;
    private final String consumerTag;
    private final String streamDescription;
    private final int prefetch;
    private final Ended ended;
    private final List<PartitionReader> readers = new ArrayList<>();
    private final Runnable addPartitionsOnEventLoop = this::addNewPartitions;
    private int nextTurn;
    // Whether deliveries name their partition: the topic has (or came to have) several.
    private boolean partitionHeader;
    private int unacked;
    // Set when the consumer reads every partition: the topic it follows, and its wait for more partitions.
    private Topic followed;
    private HighWatermarkWait growthWait;
    private boolean stopped;

    StreamConsumer(ChannelSession session, String consumerTag, String streamDescription, int prefetch,
                   boolean partitionHeader, Ended ended) {
        this.session = session;
        this.consumerTag = consumerTag;
        this.streamDescription = streamDescription;
        this.prefetch = prefetch;
        this.partitionHeader = partitionHeader;
        this.ended = ended;
    }

    /** Reads {@code partition} from {@code startOffset}; before {@link #pump()}. */
    void read(Partition partition, long startOffset) {
        readers.add(new PartitionReader(this, session, partition, startOffset));
    }

    /**
     * Reads every partition of {@code topic} from the offsets {@code startOffset} gives, and each
     * partition added later from its first record (all of which were written after this consume).
     * On a topic of several partitions a table as {@code x-stream-offset} gives each partition its
     * own start, keyed by the partition's number as text; a partition it leaves out starts at its
     * first record (a consumer that resumes has read nothing of it).
     */
    void readEveryPartition(Topic topic, Object offsetArgument, long nowMs) {
        for (Partition partition : topic.partitions()) {
            // One partition keeps RabbitMQ's rule: a table is no offset form (406).
            Object partitionOffset = offsetArgument instanceof Map<?, ?> table && topic.partitionCount() > 1
                    ? offsetIn(table, partition.index()) : offsetArgument;
            read(partition, startOffset(partitionOffset, partition, streamDescription, nowMs));
        }
        followed = topic;
        awaitNewPartitions();
    }

    private static Object offsetIn(Map<?, ?> table, int partitionIndex) {
        Object offset = table.get(Integer.toString(partitionIndex));
        return offset == null ? "first" : offset;
    }

    private void awaitNewPartitions() {
        growthWait = session.streams().whenPartitionCountAbove(followed, readers.size(),
                () -> session.onEventLoopLater(addPartitionsOnEventLoop));
    }

    private void addNewPartitions() {
        growthWait = null;
        if (stopped || session.isClosed()) {
            return;
        }
        Optional<Topic> grown = session.streams().stream(followed.name()).filter(t -> t.id().equals(followed.id()));
        if (grown.isEmpty()) {
            return; // deleted: the readers find their partitions closed at their next turn
        }
        followed = grown.get();
        for (int index = readers.size(); index < followed.partitionCount(); index++) {
            Partition partition = followed.partition(index);
            read(partition, partition.logStartOffset());
        }
        partitionHeader = followed.partitionCount() > 1;
        awaitNewPartitions();
        pump();
    }

    /**
     * Whether {@code x-stream-offset} is a plain offset, which names a place in one partition only.
     */
    static boolean isNumericOffset(Object argument) {
        return argument instanceof Byte || argument instanceof Short || argument instanceof Integer
                || argument instanceof Long;
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
        if (argument instanceof byte[] bytes) {
            // RabbitMQ matches the three words whatever the field's type, so a byte array says them too.
            argument = keyword(bytes);
        }
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
        if (isNumericOffset(argument)) {
            long offset = ((Number) argument).longValue();
            return Math.min(Math.max(start, offset), end);
        }
        String shown = ErlangTerms.format(argument);
        throw BrokerException.preconditionFailed("PRECONDITION_FAILED - invalid arg '" + OFFSET_HEADER + "' for "
                + streamDescription + ": {invalid_stream_offset_arg,{" + Arguments.amqpTypeName(argument) + ","
                + shown + "}}");
    }

    /** "first", "last" or "next" when the bytes spell one of them; else the bytes themselves. */
    private static Object keyword(byte[] bytes) {
        for (String word : new String[] {"first", "last", "next"}) {
            if (Arrays.equals(bytes, word.getBytes(StandardCharsets.US_ASCII))) {
                return word;
            }
        }
        return bytes;
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

    /**
     * Starts (or resumes) delivering: partitions take turns while there is credit and one of them
     * has something to send. Called after consume-ok is on its way, on an ack that frees credit,
     * and when a parked partition is woken.
     */
    void pump() {
        if (stopped || session.isClosed()) {
            return;
        }
        int idleTurns = 0;
        while (unacked < prefetch && idleTurns < readers.size()) {
            PartitionReader reader = readers.get(nextTurn);
            nextTurn = (nextTurn + 1) % readers.size();
            int delivered = reader.deliver(Math.min(prefetch - unacked, TURN_RECORDS_MAX));
            if (delivered == PartitionReader.ENDED) {
                end(reader);
                return;
            }
            idleTurns = delivered == 0 ? idleTurns + 1 : 0;
        }
    }

    /** Sends one record of {@code reader}'s partition; the reader moves its offset. */
    void deliver(PartitionReader reader, Record record) {
        Message message = AmqpRecordMapping.toMessage(record);
        MessageProperties properties = message.properties();
        Map<String, Object> headers = properties.headers() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(properties.headers());
        headers.put(OFFSET_HEADER, record.offset());
        if (partitionHeader) {
            headers.put(PARTITION_HEADER, reader.partitionIndex());
        }
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
        readers.forEach(PartitionReader::stop);
        HighWatermarkWait wait = growthWait;
        growthWait = null;
        if (wait != null) {
            wait.cancel();
        }
    }

    private void end(PartitionReader reader) {
        if (reader.partitionClosed()) {
            LOG.info("Consumer '{}' of {} ends: the stream was deleted", LogSafe.text(consumerTag), streamDescription);
        } else {
            LOG.warn("Consumer '{}' of {} ends: reading partition {} at offset {} failed: {}", LogSafe.text(consumerTag),
                    streamDescription, reader.partitionIndex(), reader.nextOffset(), String.valueOf(reader.failure()));
        }
        stop();
        ended.streamEnded(this);
    }
}
