package dev.ferry.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class DestinationSetTest {
    private final DestinationSet set = new DestinationSet();
    private final Destination q = Destination.queue("q");
    private final Destination other = Destination.queue("other");

    private List<Destination> contents() {
        List<Destination> seen = new ArrayList<>();
        set.forEach(seen::add);
        return seen;
    }

    @Test
    void shouldListADestinationOnceHoweverManyBindingsLeadToIt() {
        set.add(q);
        set.add(q);
        set.add(other);

        assertThat(contents()).containsExactly(q, other);
    }

    @Test
    void shouldKeepADestinationUntilItsLastBindingIsRemoved() {
        set.add(q);
        set.add(q);
        set.add(other);

        assertThat(set.remove(q)).isFalse();
        assertThat(contents()).containsExactly(q, other);
        assertThat(set.remove(q)).as("other still there").isFalse();
        assertThat(contents()).containsExactly(other);
        assertThat(set.remove(other)).as("now empty").isTrue();
        assertThat(set.isEmpty()).isTrue();
    }

    @Test
    void shouldIgnoreRemovingWhatWasNeverAdded() {
        assertThat(set.remove(q)).isTrue();
        set.add(other);

        assertThat(set.remove(q)).isFalse();
        assertThat(set.isEmpty()).isFalse();
        assertThat(contents()).containsExactly(other);
    }
}
