package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.ferry.queue.QueuedMessage;

/** The return counts and retry due times a durable queue keeps per log offset, and their checkpoint. */
class ReturnedMessagesTest {
    private static final long NOT_WAITING = QueuedMessage.NOT_WAITING;

    @Test
    void keepsTheCountAndDueTimeOfEachReturnedOffset() {
        ReturnedMessages returned = new ReturnedMessages();
        assertThat(returned.count(7)).isZero();
        assertThat(returned.retryDueAt(7)).isEqualTo(NOT_WAITING);
        returned.returned(7, 2, 500);
        returned.returned(9, 1, NOT_WAITING);
        assertThat(returned.count(7)).isEqualTo(2);
        assertThat(returned.retryDueAt(7)).isEqualTo(500);
        assertThat(returned.isWaiting(7)).isTrue();
        assertThat(returned.count(9)).isEqualTo(1);
        assertThat(returned.isWaiting(9)).isFalse();
        assertThat(returned.count(8)).as("an offset never returned").isZero();
        assertThat(returned.retryDueAt(8)).isEqualTo(NOT_WAITING);
    }

    @Test
    void aFinishedRetryKeepsItsCount() {
        ReturnedMessages returned = new ReturnedMessages();
        assertThat(returned.retryDone(7)).isFalse();
        returned.returned(7, 3, 500);
        returned.returned(9, 1, NOT_WAITING);
        assertThat(returned.retryDone(8)).isFalse();
        assertThat(returned.retryDone(9)).as("not waiting").isFalse();
        assertThat(returned.retryDone(7)).isTrue();
        assertThat(returned.isWaiting(7)).isFalse();
        assertThat(returned.count(7)).isEqualTo(3);
        assertThat(returned.retryDone(7)).as("only once").isFalse();
    }

    @Test
    void forgetsSettledOffsetsAndEverythingFromACutEnd() {
        ReturnedMessages returned = new ReturnedMessages();
        returned.settled(1); // nothing held
        returned.returned(1, 1, NOT_WAITING);
        returned.returned(5, 2, NOT_WAITING);
        returned.returned(6, 3, 900);
        returned.settled(1);
        assertThat(returned.count(1)).isZero();
        returned.forgetFrom(6);
        assertThat(returned.count(5)).isEqualTo(2);
        assertThat(returned.count(6)).isZero();
        assertThat(returned.isWaiting(6)).isFalse();
    }

    @Test
    void checkpointsTheOffsetsAtOrAboveTheLowWaterMarkAndRestoresThem() {
        ReturnedMessages returned = new ReturnedMessages();
        returned.returned(3, 1, NOT_WAITING);
        returned.returned(10, 2, NOT_WAITING);
        returned.returned(12, 4, 700);
        AckCheckpoint checkpoint = returned.checkpoint(10, 15, OffsetRuns.of(11));
        assertThat(checkpoint.lowWater()).isEqualTo(10);
        assertThat(checkpoint.deliveredHighWater()).isEqualTo(15);
        assertThat(checkpoint.settled()).isEqualTo(OffsetRuns.of(11));
        assertThat(checkpoint.cleanShutdown()).isFalse();
        assertThat(checkpoint.countedOffsets()).containsExactly(10, 12);
        assertThat(checkpoint.returnCounts()).containsExactly(2, 4);
        assertThat(checkpoint.retryDueAt()).containsExactly(NOT_WAITING, 700);

        ReturnedMessages restored = new ReturnedMessages();
        restored.restore(checkpoint);
        assertThat(restored.count(3)).isZero();
        assertThat(restored.count(10)).isEqualTo(2);
        assertThat(restored.count(12)).isEqualTo(4);
        assertThat(restored.retryDueAt(12)).isEqualTo(700);
        assertThat(restored.isWaiting(10)).isFalse();
    }
}
