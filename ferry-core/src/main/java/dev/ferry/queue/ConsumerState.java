package dev.ferry.queue;

/**
 * A queue's view of one consumer: its registration and how many unacked deliveries it holds.
 * Owner thread only.
 */
final class ConsumerState {
    final ConsumerSpec spec;
    int unackedCount;

    ConsumerState(ConsumerSpec spec) {
        this.spec = spec;
    }

    /** Whether the per-consumer prefetch allows one more delivery (ignoring the channel-wide credit). */
    boolean hasOwnCredit() {
        return spec.noAck() || spec.prefetchCount() == 0 || unackedCount < spec.prefetchCount();
    }

    boolean belongsTo(ChannelRef channel) {
        return spec.channel().equals(channel);
    }
}
