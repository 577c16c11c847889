package dev.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/** The bound on appends on their way into a stream, which holds AMQP publishers back. */
class AppendBacklogTest {

    @Test
    void shouldReportCongestionAtTheHighMarkUntilDrainedToTheLowMark() {
        AppendBacklog backlog = new AppendBacklog(4, 2);
        for (int i = 0; i < 3; i++) {
            backlog.started();
        }
        assertThat(backlog.congestion()).isNull();
        backlog.started();
        CompletableFuture<Void> congestion = backlog.congestion();
        assertThat(congestion).isNotNull().isNotDone();

        backlog.finished();
        assertThat(congestion).isNotDone();
        backlog.finished();
        assertThat(congestion).isDone();
        assertThat(backlog.congestion()).isNull();
        assertThat(backlog.pending()).isEqualTo(2);

        backlog.started();
        backlog.started();
        assertThat(backlog.congestion()).isNotNull().isNotSameAs(congestion);
    }

    @Test
    void shouldCompleteTheStageWhenTheOnlyPendingAppendFinishes() {
        AppendBacklog backlog = new AppendBacklog(1, 0);
        backlog.started();
        CompletableFuture<Void> congestion = backlog.congestion();
        assertThat(congestion).isNotNull().isNotDone();
        backlog.finished();
        assertThat(congestion).isDone();
        assertThat(backlog.congestion()).isNull();
        assertThat(backlog.pending()).isZero();
    }

    @Test
    void shouldKeepOneStageWhileTheBacklogStaysAboveTheLowMark() {
        AppendBacklog backlog = new AppendBacklog(2, 0);
        backlog.started();
        backlog.started();
        CompletableFuture<Void> congestion = backlog.congestion();

        backlog.started();
        backlog.finished();
        backlog.started();

        assertThat(backlog.congestion()).as("publishers wait on the one stage").isSameAs(congestion);
        assertThat(backlog.pending()).isEqualTo(3);
    }

    @Test
    void shouldRefuseMarksThatCannotDrain() {
        assertThatThrownBy(() -> new AppendBacklog(4, 4))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AppendBacklog(4, -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new AppendBacklog(4, 3).congestion()).isNull();
        assertThat(new AppendBacklog(4, 0).pending()).isZero();
    }
}
