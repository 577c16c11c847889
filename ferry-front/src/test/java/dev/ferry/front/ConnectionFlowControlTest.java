package dev.ferry.front;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.front.ConnectionFlowControl.Pause;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The reasons to stop reading a connection combine; none undoes another. */
class ConnectionFlowControlTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ConnectionFlowControl flow = new ConnectionFlowControl(channel);

    @Test
    void shouldReadAgainOnlyWhenEveryReasonHasCleared() {
        flow.pause(Pause.RESOURCE_ALARM);
        flow.pause(Pause.CONTENT_BUDGET);
        assertThat(channel.config().isAutoRead()).isFalse();

        flow.resume(Pause.RESOURCE_ALARM);
        assertThat(channel.config().isAutoRead()).as("still waiting for budget").isFalse();
        flow.resume(Pause.CONGESTION);
        assertThat(channel.config().isAutoRead()).as("resuming a reason that never held changes nothing").isFalse();
        flow.resume(Pause.CONTENT_BUDGET);
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(flow.isPaused()).isFalse();
    }

    @Test
    void shouldEndACongestionPauseWhenTheQueueCatchesUpOrAtTheBackstop() {
        CompletableFuture<Void> caughtUp = new CompletableFuture<>();
        flow.pauseUntil(caughtUp, 2000);
        assertThat(flow.isPaused(Pause.CONGESTION)).isTrue();
        caughtUp.complete(null);
        assertThat(channel.config().isAutoRead()).isTrue();

        CompletableFuture<Void> never = new CompletableFuture<>();
        flow.pauseUntil(never, 2000);
        channel.advanceTimeBy(1999, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.config().isAutoRead()).isFalse();
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.config().isAutoRead()).as("the backstop").isTrue();
    }

    @Test
    void shouldNotLetAnEarlierPausesSignalEndALaterOne() {
        CompletableFuture<Void> first = new CompletableFuture<>();
        flow.pauseUntil(first, 10);
        channel.advanceTimeBy(10, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(flow.isPaused()).isFalse();

        CompletableFuture<Void> second = new CompletableFuture<>();
        flow.pauseUntil(second, 2000);
        first.complete(null);
        assertThat(flow.isPaused(Pause.CONGESTION)).as("the first queue's catch-up is old news").isTrue();
        second.complete(null);
        assertThat(flow.isPaused()).isFalse();
    }
}
