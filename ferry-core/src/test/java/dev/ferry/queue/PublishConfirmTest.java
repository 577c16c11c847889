package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;

/** When a publisher may be confirmed: after every target queue answered, nacked at the first refusal or failure. */
class PublishConfirmTest {

    @Test
    void anUnroutableMessageIsConfirmedAtOnce() {
        assertThat(new PublishConfirm(0).accepted()).isCompleted();
        assertThatThrownBy(() -> new PublishConfirm(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void shouldConfirmOnlyOnceTheLastQueueAccepted() {
        PublishConfirm confirm = new PublishConfirm(3);
        confirm.queueAccepted();
        confirm.queueAccepted();
        assertThat(confirm.accepted()).isNotDone();
        confirm.queueAccepted();
        assertThat(confirm.accepted()).isCompleted();
    }

    @Test
    void shouldNackAtTheFirstRefusalOrStoreFailureBeforeTheOtherQueuesAnswer() {
        PublishConfirm refused = new PublishConfirm(2);
        refused.queueRefused("queue 'q'");
        assertThat(refused.accepted()).failsWithin(java.time.Duration.ZERO)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(QueueRefusedException.class);
        refused.queueAccepted();

        PublishConfirm failed = new PublishConfirm(2);
        IOException diskFull = new IOException("no space");
        failed.queueFailed(diskFull);
        assertThat(failed.accepted()).failsWithin(java.time.Duration.ZERO)
                .withThrowableOfType(ExecutionException.class).withCause(diskFull);
    }
}
