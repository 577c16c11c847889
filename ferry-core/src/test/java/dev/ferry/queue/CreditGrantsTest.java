package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The units of channel credit a queue was handed while it waited: held per channel, used one per
 * delivery, and what a delivery pass did not use given back to its channel.
 */
class CreditGrantsTest {

    /** A unit handed out by {@code credit}, as its fair hand-out takes one before granting it. */
    private static void grant(CreditGrants grants, ChannelCredit credit) {
        assertThat(credit.tryAcquire()).isTrue();
        grants.add(credit);
    }

    @Test
    void shouldHoldUnitsOfSeveralChannelsAndGiveBackOnlyWhatWasNotUsed() {
        ChannelCredit first = new ChannelCredit(5);
        ChannelCredit second = new ChannelCredit(5);
        ChannelCredit third = new ChannelCredit(5);
        CreditGrants grants = new CreditGrants();
        grant(grants, first);
        grant(grants, second);
        grant(grants, first);
        grant(grants, third);

        assertThat(grants.holds(third)).as("a third channel's unit, past the initial room for two").isTrue();
        assertThat(grants.tryTake(first)).isTrue();
        assertThat(grants.tryTake(first)).isTrue();
        assertThat(grants.tryTake(first)).as("both units of the first channel used").isFalse();
        assertThat(grants.holds(first)).isFalse();
        assertThat(grants.holds(second)).isTrue();

        grants.returnUnused();

        assertThat(first.inUse()).as("units used by deliveries stay taken until those are settled").isEqualTo(2);
        assertThat(second.inUse()).isZero();
        assertThat(third.inUse()).isZero();
        assertThat(grants.holds(second)).isFalse();
        assertThat(grants.tryTake(third)).isFalse();
    }

    @Test
    void shouldHoldNothingOfAChannelThatGrantedNothing() {
        ChannelCredit first = new ChannelCredit(5);
        ChannelCredit second = new ChannelCredit(5);
        ChannelCredit other = new ChannelCredit(5);
        CreditGrants grants = new CreditGrants();
        assertThat(grants.holds(other)).isFalse();
        grant(grants, first);
        grant(grants, second);

        assertThat(grants.holds(other)).isFalse();
        assertThat(grants.tryTake(other)).isFalse();
        assertThat(grants.tryTake(second)).isTrue();
        assertThat(grants.holds(first)).isTrue();
    }
}
