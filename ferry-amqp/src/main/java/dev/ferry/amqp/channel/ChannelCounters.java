package dev.ferry.amqp.channel;

import dev.ferry.stats.MessageCounter;
import dev.ferry.stats.SharedMessageCounts;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One channel's message_stats, counted on its event loop in plain fields (no lock, no fence), and
 * added to its virtual host's totals, which outlive the channel (RabbitMQ's vhost and overview
 * rates are the sum over channels too).
 */
final class ChannelCounters {
    private final long[] counts = new long[MessageCounter.count()];
    private final SharedMessageCounts virtualHost;

    ChannelCounters(SharedMessageCounts virtualHost) {
        this.virtualHost = virtualHost;
    }

    void increment(MessageCounter counter) {
        counts[counter.ordinal()]++;
        virtualHost.increment(counter);
    }

    void add(MessageCounter counter, int amount) {
        if (amount > 0) {
            counts[counter.ordinal()] += amount;
            virtualHost.add(counter, amount);
        }
    }

    /** The counters a channel reports, by field name; event loop only. */
    Map<String, Long> snapshot() {
        Map<String, Long> stats = new LinkedHashMap<>();
        for (MessageCounter counter : CHANNEL_COUNTERS) {
            stats.put(counter.fieldName(), counts[counter.ordinal()]);
        }
        return stats;
    }

    /** What RabbitMQ 3.10 reports in a channel's message_stats (deliver_get is derived by the reader). */
    private static final MessageCounter[] CHANNEL_COUNTERS = {
        MessageCounter.PUBLISH, MessageCounter.CONFIRM, MessageCounter.RETURN_UNROUTABLE, MessageCounter.DROP_UNROUTABLE,
        MessageCounter.DELIVER, MessageCounter.DELIVER_NO_ACK, MessageCounter.GET, MessageCounter.GET_NO_ACK,
        MessageCounter.GET_EMPTY, MessageCounter.ACK, MessageCounter.REDELIVER,
    };
}
