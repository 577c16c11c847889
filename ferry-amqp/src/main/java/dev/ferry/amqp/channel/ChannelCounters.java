package dev.ferry.amqp.channel;

import dev.ferry.stats.ChannelMessageCounts;
import dev.ferry.stats.MessageCounter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One channel's message_stats, counted on its event loop into counters of its own (no lock, no
 * fence, nothing shared with other channels); its virtual host sums the open channels' counters
 * when read and keeps what closed ones counted (RabbitMQ's vhost and overview figures are the sum
 * over channels too).
 */
final class ChannelCounters {
    private final ChannelMessageCounts counts;

    ChannelCounters(ChannelMessageCounts counts) {
        this.counts = counts;
    }

    void increment(MessageCounter counter) {
        counts.increment(counter);
    }

    void add(MessageCounter counter, int amount) {
        if (amount > 0) {
            counts.add(counter, amount);
        }
    }

    /** The channel closed: its counts go to its virtual host's totals. Event loop only. */
    void retire() {
        counts.retire();
    }

    /** The counters a channel reports, by field name; event loop only. */
    Map<String, Long> snapshot() {
        Map<String, Long> stats = new LinkedHashMap<>();
        for (MessageCounter counter : CHANNEL_COUNTERS) {
            stats.put(counter.fieldName(), counts.get(counter));
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
