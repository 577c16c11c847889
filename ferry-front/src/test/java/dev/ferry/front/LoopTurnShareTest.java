package dev.ferry.front;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.front.ConnectionFlowControl.Pause;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A connection's share of a loop turn: reading pauses at the share and resumes in the next turn. */
class LoopTurnShareTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ConnectionFlowControl flow = new ConnectionFlowControl(channel);
    private final List<Pause> resumed = new ArrayList<>();
    private final LoopTurnShare share = new LoopTurnShare(flow, channel.eventLoop(), 10);

    LoopTurnShareTest() {
        flow.onResume(resumed::add);
    }

    @Test
    void shouldPauseAtTheShareAndResumeInTheNextTurn() {
        share.spend(9);
        assertThat(flow.isPaused()).as("one unit short").isFalse();
        share.spend(1);
        assertThat(flow.isPaused(Pause.TURN)).isTrue();
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(share.yielded()).isTrue();

        channel.runScheduledPendingTasks();
        assertThat(flow.isPaused()).isFalse();
        assertThat(resumed).containsExactly(Pause.TURN);
        assertThat(share.yielded()).isFalse();

        share.spend(9);
        assertThat(flow.isPaused()).as("the new turn counts from zero").isFalse();
    }

    @Test
    void shouldCountEachReadOnItsOwn() {
        share.spend(9);
        share.readComplete();
        share.spend(9);
        assertThat(flow.isPaused()).isFalse();
        share.spend(1);
        assertThat(flow.isPaused(Pause.TURN)).isTrue();
    }

    @Test
    void shouldStayPausedUntilTheNextTurnWhenTheYieldingReadEnds() {
        share.spend(25);
        share.spend(25);
        share.readComplete();
        assertThat(flow.isPaused(Pause.TURN)).as("a read's end is not a new turn").isTrue();
        channel.runScheduledPendingTasks();
        assertThat(resumed).containsExactly(Pause.TURN);
        share.spend(9);
        assertThat(flow.isPaused()).isFalse();
    }

    @Test
    void shouldLeaveOtherReasonsInForce() {
        flow.pause(Pause.RESOURCE_ALARM);
        share.spend(10);
        channel.runScheduledPendingTasks();
        assertThat(resumed).containsExactly(Pause.TURN);
        assertThat(flow.isPaused(Pause.RESOURCE_ALARM)).isTrue();
        assertThat(channel.config().isAutoRead()).isFalse();
    }

    @Test
    void shouldRefuseAShareOfNothing() {
        assertThatThrownBy(() -> new LoopTurnShare(flow, channel.eventLoop(), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
