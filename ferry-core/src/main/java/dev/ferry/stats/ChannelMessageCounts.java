package dev.ferry.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One channel's message counters: written by the channel's thread (its event loop) alone, readable
 * by any thread at any time. An increment is a release store of the new value (a plain store on
 * x86: no lock, no fence, no cache line shared with another channel), so the message path touches
 * only this channel's own array; its virtual host adds the channels up when it is read
 * ({@link VirtualHostMessageCounts#snapshot()}).
 *
 * <p>Once the channel closes ({@link #retire()}), what it counted is folded into its virtual
 * host's totals; a count after that (a confirm that completes after the close) goes straight there.
 */
public final class ChannelMessageCounts {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] counts = new long[MessageCounter.count()];
    private final VirtualHostMessageCounts virtualHost;
    // Writer thread only.
    private boolean retired;

    ChannelMessageCounts(VirtualHostMessageCounts virtualHost) {
        this.virtualHost = virtualHost;
    }

    /** Writer thread only. */
    public void increment(MessageCounter counter) {
        add(counter, 1);
    }

    /** Writer thread only. */
    public void add(MessageCounter counter, long amount) {
        if (retired) {
            virtualHost.addOutsideChannels(counter, amount);
            return;
        }
        int index = counter.ordinal();
        // The writer reads its own last store plainly; readers load with acquire (see get).
        SLOT.setRelease(counts, index, counts[index] + amount);
    }

    /** Any thread: the counter as of the writer's last store. */
    public long get(MessageCounter counter) {
        return (long) SLOT.getAcquire(counts, counter.ordinal());
    }

    /** Any thread: adds every counter into {@code sums}, indexed by {@link MessageCounter#ordinal()}. */
    void addTo(long[] sums) {
        for (int i = 0; i < sums.length; i++) {
            sums[i] += (long) SLOT.getAcquire(counts, i);
        }
    }

    /** Writer thread only, once the channel is closed: its counts become part of the virtual host's own. Idempotent. */
    public void retire() {
        if (!retired) {
            retired = true;
            virtualHost.retire(this, counts.clone());
        }
    }
}
