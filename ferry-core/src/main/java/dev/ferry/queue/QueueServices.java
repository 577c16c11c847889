package dev.ferry.queue;

import java.util.Objects;

/**
 * What a queue needs from outside itself beyond storage: time (for TTLs, retry delays, x-expires)
 * and a way to republish dead letters. A virtual host gives its queues a router into its own
 * exchanges; {@link #STANDALONE} drops dead letters and uses the wall clock.
 */
public record QueueServices(QueueTimer timer, DeadLetterRouter deadLetterRouter) {

    public static final QueueServices STANDALONE = new QueueServices(SystemQueueTimer.INSTANCE, DeadLetterRouter.DROP);

    public QueueServices {
        Objects.requireNonNull(timer, "timer");
        Objects.requireNonNull(deadLetterRouter, "deadLetterRouter");
    }
}
