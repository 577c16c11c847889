package dev.ferry.front;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.front.ConnectionFlowControl.Pause;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.Callable;
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

    @Test
    void shouldSayWhetherAndWhyReadingIsStopped() {
        assertThat(flow.isPaused()).isFalse();
        flow.pause(Pause.LOGIN_DELAY);
        assertThat(flow.isPaused()).isTrue();
        assertThat(flow.isPaused(Pause.LOGIN_DELAY)).isTrue();
        assertThat(flow.isPaused(Pause.REFUSED)).isFalse();
    }

    @Test
    void shouldLeaveTheSocketAloneWhenAReasonThatNeverHeldIsResumed() {
        channel.config().setAutoRead(false); // switched off by someone else, not by this class
        flow.resume(Pause.RESOURCE_ALARM);
        assertThat(channel.config().isAutoRead()).isFalse();
    }

    @Test
    void shouldKeepTheFirstCongestionPauseWhenAnotherQueueAsksWhileItHolds() {
        CompletableFuture<Void> first = new CompletableFuture<>();
        flow.pauseUntil(first, 2000);
        CompletableFuture<Void> second = new CompletableFuture<>();
        flow.pauseUntil(second, 2000);
        first.complete(null);
        assertThat(flow.isPaused()).as("the pause in force was the first one's").isFalse();
    }

    @Test
    void shouldEndACongestionPauseOnTheEventLoopWhenTheQueueSignalsFromAnotherThread() throws Exception {
        // A real event loop: the embedded channel's claims every thread as its own.
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            LocalChannel socket = new LocalChannel();
            loop.register(socket).sync();
            ConnectionFlowControl socketFlow = new ConnectionFlowControl(socket);
            CompletableFuture<Void> caughtUp = new CompletableFuture<>();
            loop.submit(() -> socketFlow.pauseUntil(caughtUp, 60_000)).sync();

            caughtUp.complete(null); // on this thread, not the loop: the end is handed to the loop
            Callable<Boolean> paused = socketFlow::isPaused;
            assertThat(loop.submit(paused).get()).isFalse();
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void shouldStopReadingWhileAnswersWaitAboveTheHighWaterMark() {
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        channel.write(Unpooled.wrappedBuffer(new byte[32])); // written, not flushed: the client has not taken it
        assertThat(channel.isWritable()).isFalse();
        flow.writabilityChanged();
        assertThat(flow.isPaused(Pause.UNREAD_ANSWERS)).isTrue();
        assertThat(channel.config().isAutoRead()).isFalse();

        channel.flush();
        assertThat(channel.isWritable()).isTrue();
        flow.writabilityChanged();
        assertThat(flow.isPaused()).isFalse();
        assertThat(channel.config().isAutoRead()).isTrue();
        channel.releaseOutbound();
    }
}
