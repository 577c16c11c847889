package dev.ferry.queue;

import java.util.Objects;

/**
 * What a queue needs from outside itself beyond storage: time (for TTLs, retry delays, x-expires),
 * a way to republish dead letters, and how much published work may wait for its owner
 * ({@link MailboxLimits}). A virtual host gives its queues a router into its own exchanges;
 * {@link #STANDALONE} drops dead letters and uses the wall clock.
 */
public record QueueServices(QueueTimer timer, DeadLetterRouter deadLetterRouter, MailboxLimits mailboxLimits) {

    public static final QueueServices STANDALONE = new QueueServices(SystemQueueTimer.INSTANCE, DeadLetterRouter.DROP);

    public QueueServices {
        Objects.requireNonNull(timer, "timer");
        Objects.requireNonNull(deadLetterRouter, "deadLetterRouter");
        Objects.requireNonNull(mailboxLimits, "mailboxLimits");
    }

    /** With the default mailbox bound. */
    public QueueServices(QueueTimer timer, DeadLetterRouter deadLetterRouter) {
        this(timer, deadLetterRouter, MailboxLimits.DEFAULTS);
    }
}
