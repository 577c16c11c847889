package dev.ferry.store;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory all queues together may hold in ready messages, beside each queue's own
 * {@link PagingLimits}. While the queues hold more, a queue that already has a message in memory
 * writes new ones to its log only and reads no more back, so the total stops growing and ebbs as
 * consumers take messages; a queue with none in memory still reads a batch, so that its consumers
 * never wait for the total.
 *
 * <p>Why beside the per-queue limits: those multiply by the number of queues. 3,000 queues of 8 MiB
 * each may hold 24 GiB, and 3,000 queues fed by a fanout with nobody consuming held 2.3 million
 * messages on a 256 MiB heap: the memory alarm then blocked every publisher until consumers came,
 * where RabbitMQ pages messages to disk at half its alarm's threshold
 * ({@code vm_memory_high_watermark_paging_ratio}) and goes on taking them.
 *
 * <p>What is counted: each queue's ready messages in memory, their body bytes plus
 * {@link #MESSAGE_OVERHEAD_BYTES} each. Queues report the change at the end of each drain (one
 * atomic add per drain, none per message), so the total may run past the budget by what one drain
 * of each queue adds.
 */
public final class ReadyMemoryBudget {
    /**
     * The heap one ready message takes besides its body (the message, its queue entry, its
     * properties): 2.3 million empty messages with a content type took 147 MiB (64 bytes each).
     */
    public static final int MESSAGE_OVERHEAD_BYTES = 64;

    private static final ReadyMemoryBudget UNLIMITED = new ReadyMemoryBudget(Long.MAX_VALUE);

    private final long limitBytes;
    private final AtomicLong usedBytes = new AtomicLong();

    /** @param limitBytes what all queues' ready messages in memory may take together (at least 1) */
    public ReadyMemoryBudget(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("the ready-memory budget must be at least 1 byte, got " + limitBytes);
        }
        this.limitBytes = limitBytes;
    }

    /** No broker-wide bound: each queue's limits alone (a queue on its own, tests of one queue). */
    public static ReadyMemoryBudget unlimited() {
        return UNLIMITED;
    }

    public long limitBytes() {
        return limitBytes;
    }

    /** What the queues reported holding at the end of their last drains. */
    public long usedBytes() {
        return usedBytes.get();
    }

    /** Whether the queues hold more than the budget. */
    public boolean spent() {
        return usedBytes.get() > limitBytes;
    }

    /** One queue's part: what it reported last. */
    Share share() {
        return new Share();
    }

    /** One queue's part in the budget. Its queue's thread only. */
    final class Share {
        private long reported;

        private Share() {
        }

        /** The queue now holds {@code count} ready messages of {@code bodyBytes} in memory. */
        void holding(int count, long bodyBytes) {
            if (limitBytes == Long.MAX_VALUE) {
                return; // nobody reads the total
            }
            long now = bodyBytes + (long) count * MESSAGE_OVERHEAD_BYTES;
            if (now != reported) {
                usedBytes.addAndGet(now - reported);
                reported = now;
            }
        }

        /** The queue is closed or deleted: it holds nothing any more. */
        void release() {
            holding(0, 0);
        }
    }
}
