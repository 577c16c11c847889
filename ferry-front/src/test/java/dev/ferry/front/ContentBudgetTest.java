package dev.ferry.front;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The content budget's rules, one request at a time; grants are recorded in the order they run. */
class ContentBudgetTest {
    private final ContentBudget budget = new ContentBudget(100);
    private final List<String> grants = new ArrayList<>();

    private ContentBudget.Waiter ask(String who, long bytes) {
        return budget.reserveOrWait(bytes, () -> grants.add(who));
    }

    @Test
    void shouldGrantAtOnceWhatFitsAndQueueTheRest() {
        assertThat(ask("a", 60)).as("fits").isNull();
        assertThat(ask("b", 40)).as("fits exactly").isNull();
        ContentBudget.Waiter c = ask("c", 1);
        assertThat(c).as("the budget is spent").isNotNull();
        assertThat(budget.reservedBytes()).isEqualTo(100);
        assertThat(budget.waitingCount()).isEqualTo(1);

        budget.release(60);
        assertThat(grants).containsExactly("c");
        assertThat(budget.reservedBytes()).isEqualTo(41);
        assertThat(budget.peakReservedBytes()).isEqualTo(100);
        assertThat(budget.waitCount()).isEqualTo(1);
    }

    @Test
    void shouldGrantInTheOrderAskedSoALargeRequestIsNotStarvedBySmallOnes() {
        assertThat(ask("holder", 50)).isNull();
        assertThat(ask("large", 80)).as("does not fit beside the holder").isNotNull();
        assertThat(ask("small", 10)).as("would fit, but someone asked first").isNotNull();

        budget.release(50);
        assertThat(grants).containsExactly("large", "small");
        assertThat(budget.reservedBytes()).isEqualTo(90);
    }

    @Test
    void shouldLetARequestLargerThanTheBudgetThroughOnlyWhenNothingIsReserved() {
        assertThat(ask("small", 1)).isNull();
        assertThat(ask("huge", 500)).as("larger than the whole budget, while something is reserved").isNotNull();
        assertThat(ask("behind", 1)).as("waits behind it").isNotNull();

        budget.release(1);
        assertThat(grants).as("the huge one goes alone").containsExactly("huge");
        assertThat(budget.reservedBytes()).isEqualTo(500);
        budget.release(500);
        assertThat(grants).containsExactly("huge", "behind");
        budget.release(1);
        assertThat(ask("alone", 300)).as("nothing reserved: granted at once").isNull();
    }

    @Test
    void shouldLetAHolderOverdrawUpToTwiceTheBudgetAndNoFurther() {
        assertThat(ask("a", 100)).isNull();
        assertThat(budget.reserveOverdraft(60)).isTrue();
        assertThat(budget.reserveOverdraft(40)).as("200 in all: twice the budget").isTrue();
        assertThat(budget.reserveOverdraft(1)).isFalse();
        assertThat(budget.refusalCount()).isEqualTo(1);
        assertThat(budget.reservedBytes()).isEqualTo(200);
        assertThat(ask("waiting", 10)).isNotNull();

        budget.release(100);
        assertThat(grants).as("still 100 reserved: nothing fits").isEmpty();
        budget.release(60);
        assertThat(grants).containsExactly("waiting");
    }

    @Test
    void shouldForgetACancelledWaiterAndLetThoseBehindItGo() {
        assertThat(ask("holder", 70)).isNull();
        ContentBudget.Waiter large = ask("large", 50);
        assertThat(ask("small", 20)).isNotNull();

        budget.cancel(large);
        assertThat(grants).as("the head is gone, the next one fits").containsExactly("small");
        budget.release(70);
        assertThat(grants).containsExactly("small");
        assertThat(budget.reservedBytes()).isEqualTo(20);
    }

    @Test
    void shouldGiveBackAGrantThatIsCancelledBeforeItWasUsed() {
        assertThat(ask("holder", 100)).isNull();
        ContentBudget.Waiter late = ask("late", 100);
        budget.release(100);
        assertThat(grants).containsExactly("late");
        assertThat(budget.reservedBytes()).isEqualTo(100);

        budget.cancel(late); // the connection closed before the grant reached it
        assertThat(budget.reservedBytes()).isZero();
        budget.cancel(late);
        assertThat(budget.reservedBytes()).as("cancelling twice gives back once").isZero();
    }

    @Test
    void shouldRefuseToReleaseMoreThanIsReserved() {
        assertThat(ask("a", 10)).isNull();
        assertThatThrownBy(() -> budget.release(11)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new ContentBudget(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ContentBudget.defaultLimitBytes(2048L << 20)).isEqualTo(32L << 20);
    }
}
