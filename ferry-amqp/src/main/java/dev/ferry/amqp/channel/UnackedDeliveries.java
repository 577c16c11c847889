package dev.ferry.amqp.channel;

import dev.ferry.error.BrokerException;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.SettleOutcome;

/**
 * A channel's delivery tags that still await ack, nack or reject, each mapped to the queue and the
 * queue-local delivery id it stands for. Tags are issued in increasing order and kept in that
 * order, so "multiple" settles a prefix.
 *
 * <p>Design note: a ring of parallel arrays (tag, queue, id) in tag order, so recording a delivery
 * allocates nothing (a map keyed by boxed tags cost about 90 bytes per delivery). A single ack finds
 * its tag by binary search and leaves a hole; holes at the head are dropped at once, and the ring is
 * compacted when holes outnumber live entries, so one old unacked tag cannot pin the slots of every
 * later delivery.
 *
 * <p>Settling groups ids by queue so that one ack of many tags costs one command per queue, not
 * one per message. Event-loop confined, like the channel that owns it.
 */
final class UnackedDeliveries {
    private static final int INITIAL_CAPACITY = 16;
    private static final int COMPACT_MIN_SLOTS = 64;

    private long[] tags = new long[INITIAL_CAPACITY];
    private MessageQueue[] queues = new MessageQueue[INITIAL_CAPACITY]; // null = a settled hole
    private long[] ids = new long[INITIAL_CAPACITY];
    private int head;
    private int slots; // used slots from head, holes included
    private int live;

    void add(long deliveryTag, MessageQueue queue, long deliveryId) {
        assert slots == 0 || deliveryTag > tags[slot(slots - 1)] : "delivery tags must increase";
        if (slots == tags.length) {
            resize(tags.length * 2);
        }
        int slot = slot(slots);
        tags[slot] = deliveryTag;
        queues[slot] = queue;
        ids[slot] = deliveryId;
        slots++;
        live++;
    }

    int size() {
        return live;
    }

    /**
     * Settles every tag up to {@code deliveryTag} (0: all) that is here, without requiring that tag
     * itself to be: it may be a stream delivery of the same channel ({@link StreamDeliveries}).
     */
    void settleThrough(ChannelRef channel, long deliveryTag, SettleOutcome outcome) {
        long last = deliveryTag;
        if (deliveryTag != 0 && find(deliveryTag) < 0) {
            // Settle the prefix up to the largest tag here that is not above deliveryTag.
            last = -1;
            for (int k = 0; k < slots && tags[slot(k)] <= deliveryTag; k++) {
                if (queues[slot(k)] != null) {
                    last = tags[slot(k)];
                }
            }
            if (last < 0) {
                return;
            }
        }
        settle(channel, last, true, outcome);
    }

    /**
     * Settles {@code deliveryTag}, or with {@code multiple} every tag up to it (tag 0 with multiple
     * means all). An unknown tag is a channel error, 406, as in RabbitMQ; nothing is settled then.
     */
    void settle(ChannelRef channel, long deliveryTag, boolean multiple, SettleOutcome outcome) {
        if (!multiple) {
            int slot = find(deliveryTag);
            if (slot < 0) {
                throw unknownTag(deliveryTag);
            }
            MessageQueue queue = queues[slot];
            long deliveryId = ids[slot];
            queues[slot] = null;
            live--;
            dropHolesAtHead();
            compactIfSparse();
            queue.settle(channel, deliveryId, outcome);
            return;
        }
        if (deliveryTag != 0 && find(deliveryTag) < 0) {
            throw unknownTag(deliveryTag);
        }
        int prefix = 0;
        int settled = 0;
        while (prefix < slots && (deliveryTag == 0 || tags[slot(prefix)] <= deliveryTag)) {
            if (queues[slot(prefix)] != null) {
                settled++;
            }
            prefix++;
        }
        MessageQueue[] batchQueues = new MessageQueue[settled];
        long[] batchIds = new long[settled];
        int n = 0;
        for (int k = 0; k < prefix; k++) {
            int slot = slot(k);
            if (queues[slot] != null) {
                batchQueues[n] = queues[slot];
                batchIds[n++] = ids[slot];
                queues[slot] = null;
            }
        }
        head = slot(prefix);
        slots -= prefix;
        live -= settled;
        settleGroupedByQueue(channel, batchQueues, batchIds, outcome);
    }

    /**
     * Takes {@code deliveryTag} (or with {@code multiple} every tag up to it, 0 meaning all) out of
     * the set without telling the queues: a transaction settles them at commit, or puts them back
     * with {@link #restore} at rollback. An unknown tag is 406 and takes nothing, so a delivery
     * settled earlier in the same transaction cannot be settled again.
     */
    TakenDeliveries take(long deliveryTag, boolean multiple) {
        if (deliveryTag != 0 || !multiple) {
            if (find(deliveryTag) < 0) {
                throw unknownTag(deliveryTag);
            }
        }
        int count = 0;
        for (int k = 0; k < slots; k++) {
            int slot = slot(k);
            long tag = tags[slot];
            if (queues[slot] != null && (multiple ? deliveryTag == 0 || tag <= deliveryTag : tag == deliveryTag)) {
                count++;
            }
        }
        long[] takenTags = new long[count];
        MessageQueue[] takenQueues = new MessageQueue[count];
        long[] takenIds = new long[count];
        int n = 0;
        for (int k = 0; k < slots && n < count; k++) {
            int slot = slot(k);
            long tag = tags[slot];
            if (queues[slot] != null && (multiple ? deliveryTag == 0 || tag <= deliveryTag : tag == deliveryTag)) {
                takenTags[n] = tag;
                takenQueues[n] = queues[slot];
                takenIds[n++] = ids[slot];
                queues[slot] = null;
            }
        }
        live -= count;
        dropHolesAtHead();
        compactIfSparse();
        return new TakenDeliveries(takenTags, takenQueues, takenIds);
    }

    /** Puts deliveries taken by a transaction back, each at its place in tag order (tx.rollback). */
    void restore(TakenDeliveries taken) {
        int total = live + taken.tags().length;
        int capacity = tags.length;
        while (capacity < total) {
            capacity *= 2;
        }
        long[] newTags = new long[capacity];
        MessageQueue[] newQueues = new MessageQueue[capacity];
        long[] newIds = new long[capacity];
        int n = 0;
        int t = 0;
        for (int k = 0; k <= slots; k++) {
            long nextLive = Long.MAX_VALUE;
            int slot = -1;
            if (k < slots) {
                slot = slot(k);
                if (queues[slot] == null) {
                    continue;
                }
                nextLive = tags[slot];
            }
            while (t < taken.tags().length && taken.tags()[t] < nextLive) {
                newTags[n] = taken.tags()[t];
                newQueues[n] = taken.queues()[t];
                newIds[n++] = taken.ids()[t++];
            }
            if (slot >= 0) {
                newTags[n] = tags[slot];
                newQueues[n] = queues[slot];
                newIds[n++] = ids[slot];
            }
        }
        tags = newTags;
        queues = newQueues;
        ids = newIds;
        head = 0;
        slots = n;
        live = n;
    }

    /** Settles deliveries taken earlier (a transaction's commit): one settle command per queue. */
    static void settle(ChannelRef channel, TakenDeliveries taken, SettleOutcome outcome) {
        if (taken.tags().length > 0) {
            settleGroupedByQueue(channel, taken.queues().clone(), taken.ids(), outcome);
        }
    }

    /** One settle command per distinct queue, its ids in tag order. */
    private static void settleGroupedByQueue(ChannelRef channel, MessageQueue[] batchQueues, long[] batchIds,
                                             SettleOutcome outcome) {
        int remaining = batchQueues.length;
        while (remaining > 0) {
            MessageQueue queue = null;
            int count = 0;
            for (MessageQueue candidate : batchQueues) {
                if (candidate != null && (queue == null || candidate == queue)) {
                    queue = candidate;
                    count++;
                }
            }
            long[] forQueue = count == batchIds.length ? batchIds : new long[count];
            int n = 0;
            for (int i = 0; i < batchQueues.length; i++) {
                if (batchQueues[i] == queue) {
                    forQueue[n++] = batchIds[i];
                    batchQueues[i] = null;
                }
            }
            remaining -= count;
            queue.settle(channel, forQueue, outcome);
        }
    }

    /** Whether a tag is awaiting settlement. */
    boolean contains(long deliveryTag) {
        return find(deliveryTag) >= 0;
    }

    /** Forgets every tag: the queues requeue them themselves (recover, channel close). */
    void clear() {
        java.util.Arrays.fill(queues, null);
        head = 0;
        slots = 0;
        live = 0;
    }

    private int slot(int index) {
        return (head + index) & (tags.length - 1);
    }

    /** The slot holding {@code deliveryTag} unsettled, or -1. */
    private int find(long deliveryTag) {
        int low = 0;
        int high = slots - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            long tag = tags[slot(middle)];
            if (tag < deliveryTag) {
                low = middle + 1;
            } else if (tag > deliveryTag) {
                high = middle - 1;
            } else {
                int slot = slot(middle);
                return queues[slot] != null ? slot : -1;
            }
        }
        return -1;
    }

    private void dropHolesAtHead() {
        while (slots > 0 && queues[head] == null) {
            head = slot(1);
            slots--;
        }
    }

    private void compactIfSparse() {
        if (slots >= COMPACT_MIN_SLOTS && live < slots / 2) {
            resize(tags.length);
        }
    }

    /** Copies the live entries, in order, to the start of arrays of {@code capacity} (a power of two). */
    private void resize(int capacity) {
        long[] newTags = new long[capacity];
        MessageQueue[] newQueues = new MessageQueue[capacity];
        long[] newIds = new long[capacity];
        int n = 0;
        for (int k = 0; k < slots; k++) {
            int slot = slot(k);
            if (queues[slot] != null) {
                newTags[n] = tags[slot];
                newQueues[n] = queues[slot];
                newIds[n++] = ids[slot];
            }
        }
        tags = newTags;
        queues = newQueues;
        ids = newIds;
        head = 0;
        slots = n;
    }

    private static BrokerException unknownTag(long deliveryTag) {
        return BrokerException.preconditionFailed("PRECONDITION_FAILED - unknown delivery tag " + deliveryTag);
    }
}
