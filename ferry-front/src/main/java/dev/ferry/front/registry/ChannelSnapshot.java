package dev.ferry.front.registry;

import java.util.List;

/**
 * One channel of a {@link ClientConnection} at the moment it was asked.
 *
 * @param number         the channel number within its connection
 * @param prefetchCount  the per-consumer prefetch set by basic.qos (0: unlimited)
 * @param globalPrefetch the channel-wide prefetch (basic.qos global=true; 0: none)
 * @param unacknowledged deliveries the channel holds that are not settled yet
 * @param confirm        publisher confirms are on
 * @param transactional  tx.select was called
 */
public record ChannelSnapshot(int number, int prefetchCount, int globalPrefetch, int unacknowledged,
                              boolean confirm, boolean transactional, List<ConsumerSnapshot> consumers) {
    public ChannelSnapshot {
        consumers = List.copyOf(consumers);
    }
}
