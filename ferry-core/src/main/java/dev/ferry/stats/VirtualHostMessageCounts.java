package dev.ferry.stats;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A virtual host's message_stats counters: the sum of its open channels' counters, derived when
 * read, plus what closed channels counted and what is counted outside any channel (dead letters),
 * kept in {@link SharedMessageCounts}. So a channel's message path increments its own counters only
 * ({@link ChannelMessageCounts}); the summing cost is paid by the reader (the statistics sampler,
 * the API, Prometheus), once per read and channel.
 *
 * <p>A channel that closes while a read is summing may be missed by that read (it leaves the open
 * set before its counts are folded in, so it is never counted twice); reads are therefore made
 * monotonic, each counter at least what the previous read returned, and the next read is exact.
 *
 * <p>Thread-safe.
 */
public final class VirtualHostMessageCounts {
    private final Set<ChannelMessageCounts> open = ConcurrentHashMap.newKeySet();
    private final SharedMessageCounts folded = new SharedMessageCounts();
    // Guarded by this: the last totals handed out.
    private long[] lastRead = new long[MessageCounter.count()];

    /** Counters for a new channel of this virtual host; {@link ChannelMessageCounts#retire()} them when it closes. */
    public ChannelMessageCounts openChannel() {
        ChannelMessageCounts channel = new ChannelMessageCounts(this);
        open.add(channel);
        return channel;
    }

    /** Counts something that happened outside any channel (a dead letter); any thread. */
    public void increment(MessageCounter counter) {
        folded.increment(counter);
    }

    void addOutsideChannels(MessageCounter counter, long amount) {
        folded.add(counter, amount);
    }

    /** The channel's writer thread: out of the open set first, then its counts folded in (see the class comment). */
    void retire(ChannelMessageCounts channel, long[] counts) {
        open.remove(channel);
        for (int i = 0; i < counts.length; i++) {
            folded.add(MessageCounter.of(i), counts[i]);
        }
    }

    /** Every counter now, indexed by {@link MessageCounter#ordinal()}; never below what an earlier call returned. */
    public synchronized long[] snapshot() {
        // The folded totals before the open channels: a channel that closes in between is missed, never doubled.
        long[] totals = folded.snapshot();
        for (ChannelMessageCounts channel : open) {
            channel.addTo(totals);
        }
        for (int i = 0; i < totals.length; i++) {
            totals[i] = Math.max(totals[i], lastRead[i]);
        }
        lastRead = totals.clone();
        return totals;
    }

    /** How many channels count here now. */
    public int openChannels() {
        return open.size();
    }
}
