package dev.ferry.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

/**
 * The broker-side assignors of the consumer protocol (KIP-848), called directly: what each hands
 * out, how UNIFORM keeps partitions where they were, and the shape RANGE gives per topic.
 */
class ServerAssignorTest {

    // ---------------------------------------------------------------- uniform

    @Test
    void shouldSpreadPartitionsEvenlyAmongMembersWithTheSameSubscription() {
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of(
                "a", Set.of("x", "y"), "b", Set.of("x", "y"), "c", Set.of("x", "y")));

        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.UNIFORM.assign(subscriptions,
                counts(Map.of("x", 5, "y", 3)), Map.of());

        assertEveryPartitionOnce(target, counts(Map.of("x", 5, "y", 3)));
        assertThat(target.values()).extracting(TreeSet::size).containsExactlyInAnyOrder(3, 3, 2);
    }

    @Test
    void shouldSpreadEvenlyWhateverTheShapeOfTheTopics() {
        for (int members = 1; members <= 6; members++) {
            for (int total = 0; total <= 13; total++) {
                TreeMap<String, Set<String>> subscriptions = new TreeMap<>();
                for (int m = 0; m < members; m++) {
                    subscriptions.put("m" + m, Set.of("x", "y"));
                }
                SortedMap<String, Integer> counts = counts(Map.of("x", total / 2, "y", total - total / 2));

                SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.UNIFORM.assign(subscriptions, counts,
                        Map.of());

                assertEveryPartitionOnce(target, counts);
                int most = target.values().stream().mapToInt(TreeSet::size).max().orElseThrow();
                int least = target.values().stream().mapToInt(TreeSet::size).min().orElseThrow();
                assertThat(most - least).as("%d members, %d partitions", members, total).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void shouldMoveOnlyWhatANewMemberNeeds() {
        SortedMap<String, Integer> counts = counts(Map.of("x", 12));
        SortedMap<String, Set<String>> three = subscriptions(Map.of("a", Set.of("x"), "b", Set.of("x"),
                "c", Set.of("x")));
        SortedMap<String, TreeSet<PartitionRef>> before = ServerAssignor.UNIFORM.assign(three, counts, Map.of());
        assertThat(before.values()).extracting(TreeSet::size).containsOnly(4);

        SortedMap<String, Set<String>> four = new TreeMap<>(three);
        four.put("d", Set.of("x"));
        SortedMap<String, TreeSet<PartitionRef>> after = ServerAssignor.UNIFORM.assign(four, counts, before);

        assertEveryPartitionOnce(after, counts);
        for (String kept : List.of("a", "b", "c")) {
            assertThat(before.get(kept)).as("%s keeps what it keeps", kept).containsAll(after.get(kept));
            assertThat(after.get(kept)).hasSize(3);
        }
        assertThat(after.get("d")).hasSize(3);
    }

    @Test
    void shouldMoveNoMoreThanTheBalanceNeedsWhenTheCountDoesNotDivide() {
        SortedMap<String, Integer> counts = counts(Map.of("x", 10));
        SortedMap<String, Set<String>> three = subscriptions(Map.of("a", Set.of("x"), "b", Set.of("x"),
                "c", Set.of("x")));
        SortedMap<String, TreeSet<PartitionRef>> before = ServerAssignor.UNIFORM.assign(three, counts, Map.of());

        SortedMap<String, Set<String>> four = new TreeMap<>(three);
        four.put("d", Set.of("x"));
        SortedMap<String, TreeSet<PartitionRef>> after = ServerAssignor.UNIFORM.assign(four, counts, before);

        assertEveryPartitionOnce(after, counts);
        // 10 over 4 is 3, 3, 2, 2: the newcomer needs 2, so 2 partitions move and no more.
        assertThat(moved(before, after)).isEqualTo(2);
        assertThat(after.values()).extracting(TreeSet::size).containsExactlyInAnyOrder(3, 3, 2, 2);
    }

    @Test
    void shouldGiveTheLeaversPartitionsToTheOthersAndMoveNothingElse() {
        SortedMap<String, Integer> counts = counts(Map.of("x", 9));
        SortedMap<String, Set<String>> three = subscriptions(Map.of("a", Set.of("x"), "b", Set.of("x"),
                "c", Set.of("x")));
        SortedMap<String, TreeSet<PartitionRef>> before = ServerAssignor.UNIFORM.assign(three, counts, Map.of());

        SortedMap<String, Set<String>> two = subscriptions(Map.of("a", Set.of("x"), "c", Set.of("x")));
        SortedMap<String, TreeSet<PartitionRef>> after = ServerAssignor.UNIFORM.assign(two, counts, before);

        assertEveryPartitionOnce(after, counts);
        assertThat(after.get("a")).containsAll(before.get("a"));
        assertThat(after.get("c")).containsAll(before.get("c"));
        assertThat(after.values()).extracting(TreeSet::size).containsExactlyInAnyOrder(5, 4);
    }

    @Test
    void shouldKeepAStableAssignmentAsItIs() {
        SortedMap<String, Integer> counts = counts(Map.of("x", 7, "y", 2));
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of("a", Set.of("x", "y"),
                "b", Set.of("x", "y")));
        // Not the assignor's own first answer: any balanced assignment stays put.
        Map<String, TreeSet<PartitionRef>> previous = Map.of(
                "a", new TreeSet<>(List.of(p("x", 0), p("x", 2), p("x", 4), p("y", 1), p("x", 6))),
                "b", new TreeSet<>(List.of(p("x", 1), p("x", 3), p("x", 5), p("y", 0))));

        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.UNIFORM.assign(subscriptions, counts, previous);

        assertThat(target).isEqualTo(new TreeMap<>(previous));
    }

    @Test
    void shouldTakeNewPartitionsToTheLeastLoaded() {
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of("a", Set.of("x"), "b", Set.of("x")));
        Map<String, TreeSet<PartitionRef>> previous = Map.of(
                "a", new TreeSet<>(List.of(p("x", 0), p("x", 1), p("x", 2))),
                "b", new TreeSet<>(List.of(p("x", 3), p("x", 4))));

        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.UNIFORM.assign(subscriptions,
                counts(Map.of("x", 6)), previous);

        assertThat(target.get("a")).containsExactlyElementsOf(previous.get("a"));
        assertThat(target.get("b")).containsExactly(p("x", 3), p("x", 4), p("x", 5));
    }

    @Test
    void shouldGiveAPartitionOnlyToAMemberSubscribedToItsTopic() {
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of(
                "a", Set.of("x"), "b", Set.of("x", "y"), "c", Set.of("y"), "d", Set.of("z")));
        SortedMap<String, Integer> counts = counts(Map.of("x", 5, "y", 4, "z", 1));

        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.UNIFORM.assign(subscriptions, counts,
                Map.of());

        assertEveryPartitionOnce(target, counts);
        assertOnlySubscribersGetPartitions(target, subscriptions);
        // b can take from either side, so 9 partitions over a, b, c come out 3 each.
        assertThat(target.get("a")).hasSize(3);
        assertThat(target.get("b")).hasSize(3);
        assertThat(target.get("c")).hasSize(3);
        assertThat(target.get("d")).containsExactly(p("z", 0));
    }

    @Test
    void shouldTakeAPartitionFromAMemberThatNoLongerSubscribesToItsTopic() {
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of("a", Set.of("x"), "b", Set.of("x", "y")));
        Map<String, TreeSet<PartitionRef>> previous = Map.of(
                "a", new TreeSet<>(List.of(p("x", 0), p("y", 0))),
                "b", new TreeSet<>(List.of(p("x", 1), p("y", 1))));

        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.UNIFORM.assign(subscriptions,
                counts(Map.of("x", 2, "y", 2)), previous);

        assertOnlySubscribersGetPartitions(target, subscriptions);
        assertEveryPartitionOnce(target, counts(Map.of("x", 2, "y", 2)));
        assertThat(target.get("a")).contains(p("x", 0));
    }

    @Test
    void shouldBalanceUnevenSubscriptionsAsFarAsTheyAllow() {
        // b alone may read y, so it must take all of y; x then goes to a.
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of("a", Set.of("x"), "b", Set.of("x", "y")));
        SortedMap<String, Integer> counts = counts(Map.of("x", 2, "y", 6));

        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.UNIFORM.assign(subscriptions, counts,
                Map.of());

        assertThat(target.get("a")).containsExactly(p("x", 0), p("x", 1));
        assertThat(target.get("b")).hasSize(6).allMatch(partition -> partition.topic().equals("y"));
    }

    @Test
    void shouldLeaveTopicsNoOneSubscribesToAndNameEveryMember() {
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of("a", Set.of("x"), "idle", Set.of()));

        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.UNIFORM.assign(subscriptions,
                counts(Map.of("x", 2, "unread", 3)), Map.of());

        assertThat(target).containsOnlyKeys("a", "idle");
        assertThat(target.get("a")).containsExactly(p("x", 0), p("x", 1));
        assertThat(target.get("idle")).isEmpty();
        assertThat(ServerAssignor.UNIFORM.assign(new TreeMap<>(), counts(Map.of("x", 2)), Map.of())).isEmpty();
    }

    @Test
    void shouldGiveTheSameAnswerToTheSameQuestion() {
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of(
                "a", Set.of("x"), "b", Set.of("x", "y"), "c", Set.of("y")));
        SortedMap<String, Integer> counts = counts(Map.of("x", 7, "y", 5));
        Map<String, TreeSet<PartitionRef>> previous = Map.of("c", new TreeSet<>(List.of(p("y", 0), p("y", 1))));

        for (ServerAssignor assignor : ServerAssignor.values()) {
            assertThat(assignor.assign(subscriptions, counts, previous))
                    .isEqualTo(assignor.assign(subscriptions, counts, previous));
        }
    }

    // ---------------------------------------------------------------- range

    @Test
    void shouldGiveEachMemberAContiguousRangeTheFirstOnesOneMore() {
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of(
                "c", Set.of("x"), "a", Set.of("x"), "b", Set.of("x")));

        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.RANGE.assign(subscriptions,
                counts(Map.of("x", 8)), Map.of());

        assertThat(target.get("a")).containsExactly(p("x", 0), p("x", 1), p("x", 2));
        assertThat(target.get("b")).containsExactly(p("x", 3), p("x", 4), p("x", 5));
        assertThat(target.get("c")).containsExactly(p("x", 6), p("x", 7));
    }

    @Test
    void shouldRangeEveryTopicOnItsOwn() {
        // Per topic, as Kafka's range: with 2 members and odd counts, the first member is ahead on both.
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of("a", Set.of("x", "y"),
                "b", Set.of("x", "y")));

        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.RANGE.assign(subscriptions,
                counts(Map.of("x", 3, "y", 5)), Map.of());

        assertThat(target.get("a")).containsExactly(p("x", 0), p("x", 1), p("y", 0), p("y", 1), p("y", 2));
        assertThat(target.get("b")).containsExactly(p("x", 2), p("y", 3), p("y", 4));
    }

    @Test
    void shouldRangeATopicOverItsSubscribersOnly() {
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of(
                "a", Set.of("x"), "b", Set.of("x", "y"), "c", Set.of("y"), "d", Set.of()));

        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.RANGE.assign(subscriptions,
                counts(Map.of("x", 4, "y", 3, "z", 2)), Map.of());

        assertThat(target.get("a")).containsExactly(p("x", 0), p("x", 1));
        assertThat(target.get("b")).containsExactly(p("x", 2), p("x", 3), p("y", 0), p("y", 1));
        assertThat(target.get("c")).containsExactly(p("y", 2));
        assertThat(target.get("d")).isEmpty();
        assertThat(target).containsOnlyKeys("a", "b", "c", "d");
    }

    @Test
    void shouldLeaveMembersBeyondThePartitionCountEmptyHanded() {
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of(
                "a", Set.of("x"), "b", Set.of("x"), "c", Set.of("x")));

        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.RANGE.assign(subscriptions,
                counts(Map.of("x", 2)), Map.of());

        assertThat(target.get("a")).containsExactly(p("x", 0));
        assertThat(target.get("b")).containsExactly(p("x", 1));
        assertThat(target.get("c")).isEmpty();
    }

    @Test
    void shouldRangeWithoutRegardForThePreviousAssignment() {
        SortedMap<String, Set<String>> subscriptions = subscriptions(Map.of("a", Set.of("x"), "b", Set.of("x")));
        Map<String, TreeSet<PartitionRef>> previous = Map.of(
                "a", new TreeSet<>(List.of(p("x", 2), p("x", 3))),
                "b", new TreeSet<>(List.of(p("x", 0), p("x", 1))));

        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.RANGE.assign(subscriptions,
                counts(Map.of("x", 4)), previous);

        assertThat(target.get("a")).containsExactly(p("x", 0), p("x", 1));
        assertThat(target.get("b")).containsExactly(p("x", 2), p("x", 3));
    }

    // ---------------------------------------------------------------- names

    @Test
    void shouldFindAssignorsByTheNamesClientsUse() {
        assertThat(ServerAssignor.named("uniform")).isSameAs(ServerAssignor.UNIFORM);
        assertThat(ServerAssignor.named("range")).isSameAs(ServerAssignor.RANGE);
        assertThat(ServerAssignor.named("Range")).as("names are exact").isNull();
        assertThat(ServerAssignor.named("sticky")).isNull();
        assertThat(ServerAssignor.named(null)).isNull();
        assertThat(ServerAssignor.UNIFORM.assignorName()).isEqualTo("uniform");
        assertThat(ServerAssignor.RANGE.assignorName()).isEqualTo("range");
        assertThat(ServerAssignor.names()).isEqualTo("uniform, range");
        assertThat(ServerAssignor.DEFAULT).isSameAs(ServerAssignor.UNIFORM);
    }

    @Test
    void shouldMoveNothingWhenAMemberJoinsOnATopicOfItsOwn() {
        // A newcomer that reads only its own topic must not make the others give partitions up: a
        // cap on what each keeps, counted over all members, used to make a and b swap two of x's.
        SortedMap<String, Integer> counts = counts(Map.of("x", 8, "y", 1));
        SortedMap<String, Set<String>> before = subscriptions(Map.of("a", Set.of("x"), "b", Set.of("x")));
        // What the assignor itself makes of b alone, then a joining: b keeps x-0..3, a gets x-4..7.
        SortedMap<String, TreeSet<PartitionRef>> alone = ServerAssignor.UNIFORM.assign(
                subscriptions(Map.of("b", Set.of("x"))), counts, Map.of());
        SortedMap<String, TreeSet<PartitionRef>> previous = ServerAssignor.UNIFORM.assign(before, counts, alone);
        assertThat(previous.get("b")).hasSize(4);
        assertThat(previous.get("a")).hasSize(4);

        SortedMap<String, Set<String>> after = new TreeMap<>(before);
        after.put("c", Set.of("y"));
        SortedMap<String, TreeSet<PartitionRef>> target = ServerAssignor.UNIFORM.assign(after, counts, previous);

        assertThat(target.get("c")).containsExactly(p("y", 0));
        assertThat(target.get("a")).isEqualTo(previous.get("a"));
        assertThat(target.get("b")).isEqualTo(previous.get("b"));
    }

    // ---------------------------------------------------------------- helpers

    private static PartitionRef p(String topic, int partition) {
        return new PartitionRef(topic, partition);
    }

    private static SortedMap<String, Set<String>> subscriptions(Map<String, Set<String>> byMember) {
        return new TreeMap<>(byMember);
    }

    private static SortedMap<String, Integer> counts(Map<String, Integer> byTopic) {
        return new TreeMap<>(byTopic);
    }

    private static void assertEveryPartitionOnce(SortedMap<String, TreeSet<PartitionRef>> target,
                                                 SortedMap<String, Integer> counts) {
        List<PartitionRef> given = new ArrayList<>();
        target.values().forEach(given::addAll);
        List<PartitionRef> all = new ArrayList<>();
        counts.forEach((topic, count) -> {
            for (int p = 0; p < count; p++) {
                all.add(p(topic, p));
            }
        });
        assertThat(given).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(all);
    }

    private static void assertOnlySubscribersGetPartitions(SortedMap<String, TreeSet<PartitionRef>> target,
                                                           SortedMap<String, Set<String>> subscriptions) {
        target.forEach((member, partitions) -> assertThat(partitions)
                .as("partitions of %s", member)
                .allMatch(partition -> subscriptions.get(member).contains(partition.topic())));
    }

    private static int moved(SortedMap<String, TreeSet<PartitionRef>> before,
                             SortedMap<String, TreeSet<PartitionRef>> after) {
        int moved = 0;
        for (Map.Entry<String, TreeSet<PartitionRef>> member : before.entrySet()) {
            TreeSet<PartitionRef> now = after.getOrDefault(member.getKey(), new TreeSet<>());
            for (PartitionRef partition : member.getValue()) {
                if (!now.contains(partition)) {
                    moved++;
                }
            }
        }
        return moved;
    }
}
