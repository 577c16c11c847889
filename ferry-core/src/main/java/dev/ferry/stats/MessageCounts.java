package dev.ferry.stats;

/**
 * Message counters with one writer: a queue's owner thread or a channel's event loop increments
 * plain fields, no lock and no fence per message. Other threads see a copy the writer publishes
 * when it is done with a batch ({@link #publish()}), through one volatile write; so readers lag the
 * writer by at most one batch.
 */
public final class MessageCounts {
    private final long[] counts = new long[MessageCounter.count()];
    private boolean changed;
    private volatile long[] published = new long[MessageCounter.count()];

    /** Writer thread only. */
    public void increment(MessageCounter counter) {
        counts[counter.ordinal()]++;
        changed = true;
    }

    /** Writer thread only. */
    public void add(MessageCounter counter, long amount) {
        counts[counter.ordinal()] += amount;
        changed = true;
    }

    /** Writer thread only: makes what was counted so far visible to {@link #snapshot()}; free when nothing changed. */
    public void publish() {
        if (changed) {
            changed = false;
            published = counts.clone();
        }
    }

    /** Any thread: the counters as of the writer's last {@link #publish()}, indexed by {@link MessageCounter#ordinal()}. Do not modify. */
    public long[] snapshot() {
        return published;
    }
}
