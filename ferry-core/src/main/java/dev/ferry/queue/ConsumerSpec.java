package dev.ferry.queue;

import java.util.Map;
import java.util.Objects;

import dev.ferry.error.BrokerException;
import dev.ferry.route.Arguments;

/**
 * Everything a queue needs to register a consumer.
 *
 * @param channel       the channel that will settle the deliveries
 * @param consumerTag   unique within the channel
 * @param noAck         deliveries count as settled when sent (AMQP no-ack / auto-ack); no prefetch applies,
 *                      but the consumer waits while its channel credit is at its limit
 * @param exclusive     the consumer must be the queue's only one
 * @param prefetchCount most unacked deliveries to this consumer; 0 means no limit (basic.qos global=false)
 * @param channelCredit the channel-wide limit (basic.qos global=true) shared with the channel's other
 *                      consumers, no-ack ones too; null for a consumer no channel limit can ever apply to
 * @param priority      higher-priority consumers get messages first while they have credit (x-priority)
 * @param sink          where deliveries and broker-side cancels go
 * @param gate          closed while the consumer's connection cannot take more deliveries, or null
 */
public record ConsumerSpec(
        ChannelRef channel,
        String consumerTag,
        boolean noAck,
        boolean exclusive,
        int prefetchCount,
        ChannelCredit channelCredit,
        int priority,
        ConsumerSink sink,
        DeliveryGate gate) {

    /** The basic.consume argument that sets a consumer's priority. */
    public static final String PRIORITY_ARGUMENT = "x-priority";

    /** A consumer whose deliveries are never held back by its connection (tests, internal consumers). */
    public ConsumerSpec(ChannelRef channel, String consumerTag, boolean noAck, boolean exclusive, int prefetchCount,
            ChannelCredit channelCredit, int priority, ConsumerSink sink) {
        this(channel, consumerTag, noAck, exclusive, prefetchCount, channelCredit, priority, sink, null);
    }

    public ConsumerSpec {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(consumerTag, "consumerTag");
        Objects.requireNonNull(sink, "sink");
        if (prefetchCount < 0) {
            throw new IllegalArgumentException("prefetchCount must not be negative: " + prefetchCount);
        }
    }

    /**
     * The consumer priority from basic.consume arguments: 0 when absent; 406 when present but not
     * an integer, a void value included (RabbitMQ's text, naming the queue).
     *
     * @param queueDescription the queue consumed from, as error texts name it
     */
    public static int priorityFrom(Map<String, Object> consumeArguments, String queueDescription) {
        if (consumeArguments == null || !consumeArguments.containsKey(PRIORITY_ARGUMENT)) {
            return 0;
        }
        Object value = consumeArguments.get(PRIORITY_ARGUMENT);
        if (!Arguments.isIntegral(value)) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - invalid arg '" + PRIORITY_ARGUMENT
                    + "' for " + queueDescription + ": \"expected integer, got " + Arguments.amqpTypeName(value) + "\"");
        }
        long priority = ((Number) value).longValue();
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, priority));
    }
}
