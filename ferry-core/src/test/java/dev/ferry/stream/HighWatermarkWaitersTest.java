package dev.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** Parked long polls: woken once the high watermark passes their offset, once, and never after a cancel. */
class HighWatermarkWaitersTest {
    private final AtomicLong highWatermark = new AtomicLong();
    private final HighWatermarkWaiters waiters = new HighWatermarkWaiters(highWatermark::get);
    private final List<String> woken = new ArrayList<>();

    private HighWatermarkWait park(String name, long offset) {
        return waiters.register(offset, () -> woken.add(name));
    }

    @Test
    void shouldWakeAWaitOnlyOnceTheHighWatermarkIsAboveItsOffset() {
        HighWatermarkWait wait = park("reader", 5);
        assertThat(wait.offset()).isEqualTo(5);

        waiters.advanced(5);
        assertThat(woken).as("a high watermark of 5 holds offsets below 5 only").isEmpty();
        assertThat(waiters.size()).isEqualTo(1);

        waiters.advanced(6);
        assertThat(woken).containsExactly("reader");
        assertThat(waiters.size()).isZero();
        assertThat(wait.cancel()).as("too late to cancel").isFalse();
    }

    @Test
    void shouldWakeAtOnceAWaitWhoseOffsetIsAlreadyBelowTheHighWatermark() {
        highWatermark.set(10);

        park("behind", 9);
        park("at the end", 10);

        assertThat(woken).containsExactly("behind");
        assertThat(waiters.size()).as("only the wait still pending is kept").isEqualTo(1);
    }

    @Test
    void shouldWakeEachWaitOnceAndInTheOrderTheyParked() {
        park("first", 0);
        park("second", 1);
        park("third", 7);

        waiters.advanced(2);
        waiters.advanced(3);
        waiters.advanced(8);

        assertThat(woken).containsExactly("first", "second", "third");
    }

    @Test
    void shouldNeverWakeACancelledWaitAndDropItOnTheNextAdvance() {
        HighWatermarkWait passed = park("timed out, then passed", 0);
        HighWatermarkWait notPassed = park("timed out, not passed", 50);
        park("still waiting", 100);

        assertThat(passed.cancel()).isTrue();
        assertThat(passed.cancel()).as("only the first cancel withdraws it").isFalse();
        notPassed.cancel();
        waiters.advanced(1);

        assertThat(woken).isEmpty();
        assertThat(waiters.size()).as("both cancelled waits dropped, whatever their offset").isEqualTo(1);
    }

    @Test
    void shouldDropCancelledWaitsAndKeepThePendingOnes() {
        park("timed out", 0).cancel();
        park("pending", 0);

        waiters.dropCancelled();

        assertThat(waiters.size()).isEqualTo(1);
        waiters.advanced(1);
        assertThat(woken).containsExactly("pending");
    }

    @Test
    void shouldWakeEveryPendingWaitWhenThePartitionCloses() {
        park("a", 0);
        park("b", 1_000);
        park("cancelled", 5).cancel();

        waiters.wakeAll();

        assertThat(woken).containsExactly("a", "b");
        assertThat(waiters.size()).isZero();
    }
}
