package dev.ferry.queue;

import dev.ferry.message.Message;

/**
 * One message handed to a consumer (or returned by get).
 *
 * <p>{@code deliveryId} is local to {@code queue} and unique per delivery (a message delivered
 * twice gets two ids). A channel maps its own delivery tags to (queue, deliveryId) and settles with
 * {@link MessageQueue#settle(ChannelRef, long[], SettleOutcome)}, batching ids per queue.
 *
 * <p>A delivery holds one reference to its message's body ({@link dev.ferry.message.MessageBody}),
 * taken while the queue still held its own: whoever takes the delivery gives it back once done
 * with the body (the AMQP front, once the frames are written). One that never does leaves a large
 * body to the collector, as a heap body always was.
 *
 * @param consumerTag   the consumer it was delivered to, or null for a get
 * @param redelivered   whether the message was delivered before and requeued
 * @param deliveryCount how many times this message has been delivered, this time included
 */
public record Delivery(
        MessageQueue queue,
        long deliveryId,
        String consumerTag,
        Message message,
        boolean redelivered,
        int deliveryCount) {
}
