package dev.ferry.queue;

/**
 * Where a queue sends a consumer's messages. The protocol front implements it, typically by
 * handing each call over to the channel's event loop.
 *
 * <p>Threading contract: both methods are called on the queue's owner thread, one call at a time
 * per queue. They must return quickly and never block: a blocked sink stalls every queue that
 * shares the owner thread. A sink that throws is logged and otherwise ignored.
 */
public interface ConsumerSink {

    /** One message for the consumer; settle it later through {@link Delivery#queue()} unless no-ack. */
    void deliver(Delivery delivery);

    /**
     * The broker ended the consumer (its queue was deleted); AMQP sends basic.cancel to clients that
     * asked for consumer cancel notifications. Not called for a cancel the client requested, nor
     * when the channel closes.
     */
    void cancelledByBroker(String consumerTag);
}
