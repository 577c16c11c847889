package dev.ferry.group;

import static dev.ferry.group.GroupHarness.GROUP;
import static dev.ferry.group.GroupHarness.bytes;
import static dev.ferry.group.GroupHarness.protocol;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * Kafka's offsets clean-up ({@code offsets.retention.minutes}) on the group state machine, time
 * moved by the test: when each kind of group loses its offsets, and when an empty group goes.
 */
class OffsetExpiryTest {
    private static final long RETENTION_MS = 60_000;
    private static final PartitionRef ORDERS = new PartitionRef("orders", 0);
    private static final PartitionRef AUDIT = new PartitionRef("audit", 0);
    /** Protocol metadata here is the subscribed topic's name; "?" cannot be read. */
    private static final ConsumerProtocolFormat TOPIC_NAMED = new TopicsOnlyFormat(metadata -> {
        String text = new String(metadata, StandardCharsets.UTF_8);
        return text.equals("?") ? Optional.empty() : Optional.of(Set.of(text));
    });

    private final GroupHarness harness = new GroupHarness(GroupConfig.defaults().withInitialRebalanceDelayMs(0)
            .withSubscriptions(TOPIC_NAMED).withOffsetsRetention(RETENTION_MS, 1_000));

    private void expireAt(long nowMs) {
        harness.nowMs = nowMs;
        harness.apply(new GroupCommand.ExpireOffsets(nowMs));
    }

    private Set<PartitionRef> committed() {
        return harness.groups.fetchOffsets(GROUP, null).keySet();
    }

    /** One member subscribed to {@code topic} (the protocol's metadata), stable at generation 1. */
    private String stableMember(String topic) {
        String member = harness.newMember(List.of(new Protocol("range", bytes(topic))));
        harness.completeRebalance();
        harness.sync(member, 1, Map.of(member, bytes("A")));
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
        return member;
    }

    @Test
    void shouldKeepAnEmptiedGroupsOffsetsForTheRetentionCountedFromWhenItEmptied() {
        String member = stableMember("orders");
        harness.commit(1, member, ORDERS, 10, "");
        harness.nowMs = 30_000;
        harness.leave(member);
        assertThat(harness.state()).isEqualTo(GroupState.EMPTY);

        expireAt(30_000 + RETENTION_MS - 1);
        assertThat(committed()).containsExactly(ORDERS);

        expireAt(30_000 + RETENTION_MS);
        assertThat(committed()).isEmpty();
        assertThat(harness.groups.describe(GROUP)).as("an empty group with no offsets goes").isEmpty();
        assertThat(harness.records).contains(new GroupRecord.OffsetRemoved(GROUP, ORDERS),
                new GroupRecord.GroupRemoved(GROUP));
    }

    @Test
    void shouldCountAStandaloneGroupsOffsetsFromTheirOwnCommits() {
        harness.commit(-1, "", ORDERS, 1, "");
        harness.nowMs = 20_000;
        harness.commit(-1, "", AUDIT, 2, "");

        expireAt(RETENTION_MS);
        assertThat(committed()).containsExactly(AUDIT);
        assertThat(harness.groups.describe(GROUP)).isPresent();

        expireAt(20_000 + RETENTION_MS);
        assertThat(harness.groups.describe(GROUP)).isEmpty();
    }

    @Test
    void shouldExpireOnlyTheOffsetsOfTopicsAStableGroupNoLongerSubscribesTo() {
        String member = stableMember("orders");
        harness.commit(1, member, ORDERS, 5, "");
        harness.commit(1, member, AUDIT, 7, "");

        expireAt(RETENTION_MS * 10);

        assertThat(committed()).containsExactly(ORDERS);
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
    }

    @Test
    void shouldExpireNothingOfAStableGroupWhoseSubscriptionCannotBeRead() {
        String member = stableMember("?");
        harness.commit(1, member, AUDIT, 7, "");

        expireAt(RETENTION_MS * 10);

        assertThat(committed()).containsExactly(AUDIT);
    }

    @Test
    void shouldNotTouchAGroupInTheMiddleOfARebalance() {
        long join = harness.join("", false, List.of(protocol("range")));
        assertThat(harness.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
        harness.commit(-1, "", AUDIT, 3, "");

        expireAt(RETENTION_MS * 10);

        assertThat(harness.groups.describe(GROUP)).isPresent();
        assertThat(harness.answered(join)).isFalse();
    }
}
