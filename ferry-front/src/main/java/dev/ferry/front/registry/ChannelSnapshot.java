package dev.ferry.front.registry;

import java.util.List;
import java.util.Map;

/**
 * One channel of a {@link ClientConnection} at the moment it was asked.
 *
 * @param number         the channel number within its connection
 * @param prefetchCount  the per-consumer prefetch set by basic.qos (0: unlimited)
 * @param globalPrefetch the channel-wide prefetch (basic.qos global=true; 0: none)
 * @param unacknowledged deliveries the channel holds that are not settled yet
 * @param confirm        publisher confirms are on
 * @param transactional  tx.select was called
 * @param messageStats   the channel's message counters by RabbitMQ's {@code message_stats} field
 *                       names ({@code publish}, {@code confirm}, {@code deliver}, {@code ack}, ...)
 */
public record ChannelSnapshot(int number, int prefetchCount, int globalPrefetch, int unacknowledged,
                              boolean confirm, boolean transactional, List<ConsumerSnapshot> consumers,
                              Map<String, Long> messageStats) {
    public ChannelSnapshot {
        consumers = List.copyOf(consumers);
        messageStats = Map.copyOf(messageStats);
    }

    /** A channel that counts no messages (a protocol without AMQP's message methods). */
    public ChannelSnapshot(int number, int prefetchCount, int globalPrefetch, int unacknowledged,
                           boolean confirm, boolean transactional, List<ConsumerSnapshot> consumers) {
        this(number, prefetchCount, globalPrefetch, unacknowledged, confirm, transactional, consumers, Map.of());
    }
}
