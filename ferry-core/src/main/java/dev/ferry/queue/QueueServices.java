package dev.ferry.queue;

import java.util.Objects;

/**
 * What a queue needs from outside itself beyond storage: time (for TTLs, retry delays, x-expires),
 * a way to republish dead letters (and how soon to retry one that could not be handed over), and how much published work may wait for its owner
 * ({@link MailboxLimits}, and {@link EnqueueBacklog} for all queues together). A virtual host gives its queues a router into its own exchanges;
 * {@link #STANDALONE} drops dead letters and uses the wall clock.
 */
public record QueueServices(QueueTimer timer, DeadLetterRouter deadLetterRouter, MailboxLimits mailboxLimits,
                            long deadLetterRetryMs, EnqueueBacklog backlog) {

    /**
     * How long an at-least-once dead letter that reached no queue, or that a target refused, waits
     * before it is routed again: RabbitMQ's {@code dead_letter_worker_publisher_confirm_timeout}.
     */
    public static final long DEFAULT_DEAD_LETTER_RETRY_MS = 180_000;

    public static final QueueServices STANDALONE = new QueueServices(SystemQueueTimer.INSTANCE, DeadLetterRouter.DROP);

    public QueueServices {
        Objects.requireNonNull(timer, "timer");
        Objects.requireNonNull(deadLetterRouter, "deadLetterRouter");
        Objects.requireNonNull(mailboxLimits, "mailboxLimits");
        Objects.requireNonNull(backlog, "backlog");
        if (deadLetterRetryMs <= 0) {
            throw new IllegalArgumentException("deadLetterRetryMs must be positive: " + deadLetterRetryMs);
        }
    }

    /** With a backlog of this queue's own, without a broker-wide bound. */
    public QueueServices(QueueTimer timer, DeadLetterRouter deadLetterRouter, MailboxLimits mailboxLimits,
                         long deadLetterRetryMs) {
        this(timer, deadLetterRouter, mailboxLimits, deadLetterRetryMs, EnqueueBacklog.unbounded());
    }

    /** With RabbitMQ's dead-letter retry interval. */
    public QueueServices(QueueTimer timer, DeadLetterRouter deadLetterRouter, MailboxLimits mailboxLimits) {
        this(timer, deadLetterRouter, mailboxLimits, DEFAULT_DEAD_LETTER_RETRY_MS);
    }

    /** With the default mailbox bound. */
    public QueueServices(QueueTimer timer, DeadLetterRouter deadLetterRouter) {
        this(timer, deadLetterRouter, MailboxLimits.DEFAULTS);
    }
}
