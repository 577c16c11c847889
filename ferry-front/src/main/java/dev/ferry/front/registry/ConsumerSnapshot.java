package dev.ferry.front.registry;

/**
 * One consumer of a {@link ChannelSnapshot}.
 *
 * @param tag           the consumer tag
 * @param queue         the queue it consumes from
 * @param ackRequired   deliveries must be acknowledged (basic.consume no-ack=false)
 * @param prefetchCount its prefetch (0: unlimited)
 */
public record ConsumerSnapshot(String tag, String queue, boolean ackRequired, int prefetchCount) {
}
