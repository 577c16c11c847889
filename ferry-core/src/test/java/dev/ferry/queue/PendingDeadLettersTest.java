package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.ferry.message.Message;
import dev.ferry.store.StoreKind;

/**
 * The bookkeeping of at-least-once dead letters on their own: which are due to be routed again and
 * when, and that a released or cleared one never comes back. The queue-level behaviour is in
 * {@link AtLeastOnceDeadLetteringTest}, whose alarm only ever asks when something is due.
 */
class PendingDeadLettersTest {
    private final PendingDeadLetters pending = new PendingDeadLetters();

    private static QueuedMessage message(long sequence) {
        return new QueuedMessage(sequence, new Message("", "q", StoreKind.PERSISTENT,
                ("m" + sequence).getBytes(StandardCharsets.UTF_8)));
    }

    private PendingDeadLetters.Pending hold(long sequence) {
        QueuedMessage held = message(sequence);
        pending.hold(held, held.message(), DeathReason.REJECTED);
        return pending.get(sequence);
    }

    @Test
    void shouldHandBackOnlyTheDeadLettersWhoseRetryTimeHasCome() {
        PendingDeadLetters.Pending early = hold(1);
        PendingDeadLetters.Pending late = hold(2);
        pending.retryAt(1, 1_000);
        pending.retryAt(2, 2_000);

        assertThat(pending.nextRetry()).isEqualTo(1_000);
        assertThat(pending.pollDue(999)).as("nothing due yet").isEmpty();
        assertThat(pending.pollDue(1_000)).containsExactly(early);
        assertThat(pending.pollDue(1_000)).as("handed back once per retry time").isEmpty();
        assertThat(pending.nextRetry()).isEqualTo(2_000);
        assertThat(pending.pollDue(5_000)).containsExactly(late);
        assertThat(pending.nextRetry()).as("none waiting to be routed again").isEqualTo(Long.MAX_VALUE);
        assertThat(pending.get(1)).as("still held until released").isSameAs(early);
    }

    @Test
    void shouldNeverRouteAgainADeadLetterReleasedWhileItWaited() {
        PendingDeadLetters.Pending held = hold(7);
        pending.retryAt(7, 1_000);

        assertThat(pending.release(7)).isSameAs(held);

        assertThat(pending.pollDue(1_000)).isEmpty();
        assertThat(pending.nextRetry()).isEqualTo(Long.MAX_VALUE);
        assertThat(pending.release(7)).as("released once").isNull();
    }

    @Test
    void shouldIgnoreARetryTimeForADeadLetterNoLongerHeld() {
        hold(3);
        pending.release(3);

        pending.retryAt(3, 1_000);

        assertThat(pending.nextRetry()).isEqualTo(Long.MAX_VALUE);
        assertThat(pending.pollDue(1_000)).isEmpty();
    }

    @Test
    void shouldForgetEveryDeadLetterWhenTheQueueGoes() {
        hold(4);
        hold(5);
        pending.retryAt(5, 1_000);

        pending.clear();

        assertThat(pending.get(4)).isNull();
        assertThat(pending.get(5)).isNull();
        assertThat(pending.nextRetry()).isEqualTo(Long.MAX_VALUE);
        assertThat(pending.pollDue(1_000)).isEmpty();
    }
}
