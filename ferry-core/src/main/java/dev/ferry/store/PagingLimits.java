package dev.ferry.store;

/**
 * How much of a queue's ready messages a log-backed store keeps in memory. Beyond either limit new
 * messages are written to the log only (persistent ones to the queue's log, transient ones too,
 * marked so that recovery drops them; a non-durable queue gets a spill log) and read back in
 * batches as the head of the queue drains. The heap a queue's backlog can take is about these
 * limits, whatever the backlog.
 *
 * @param messages   ready messages kept in memory per queue (at least 2)
 * @param bytes      body bytes of ready messages kept in memory per queue (at least 1)
 * @param brokerWide what all queues together may keep in memory (shared by every store)
 */
public record PagingLimits(int messages, long bytes, ReadyMemoryBudget brokerWide) {

    public static final PagingLimits DEFAULTS = new PagingLimits(8192, 8L * 1024 * 1024);

    public PagingLimits {
        if (messages < 2 || bytes < 1) {
            throw new IllegalArgumentException("paging limits must be at least 2 messages and 1 byte: "
                    + messages + ", " + bytes);
        }
        if (brokerWide == null) {
            throw new IllegalArgumentException("paging limits need a broker-wide budget (ReadyMemoryBudget.unlimited() for none)");
        }
    }

    /** Limits of each queue alone, with no broker-wide budget. */
    public PagingLimits(int messages, long bytes) {
        this(messages, bytes, ReadyMemoryBudget.unlimited());
    }

    /** The same per-queue limits within {@code budget}. */
    public PagingLimits within(ReadyMemoryBudget budget) {
        return new PagingLimits(messages, bytes, budget);
    }

    /**
     * Whether memory holding {@code count} messages of {@code totalBytes} has no room for one of
     * {@code more} bytes: the queue's limits are reached, or it holds some and all queues together
     * have spent the broker-wide budget.
     */
    boolean full(int count, long totalBytes, int more) {
        return count >= messages || (count > 0 && (totalBytes + more > bytes || brokerWide.spent()));
    }

    /**
     * Whether memory has drained far enough that the next page-in is worth its read: empty, or
     * down to half the queue's limits while the broker-wide budget has room.
     */
    boolean wantsPageIn(int count, long totalBytes) {
        return count == 0 || (count <= messages / 2 && totalBytes <= bytes / 2 && !brokerWide.spent());
    }
}
