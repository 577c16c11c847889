package dev.ferry.queue;

/**
 * Names the protocol session that consumes and settles messages: a connection and, within it, a
 * channel. Queues keep it with every unacknowledged delivery so that only that channel can settle
 * it and so that closing the channel requeues exactly its deliveries. The connection id also owns
 * exclusive queues.
 *
 * <p>Kafka and other fronts without channels use channel number 0.
 */
public record ChannelRef(long connectionId, int channelNumber) {
}
