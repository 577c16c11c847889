package dev.ferry.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupCommand.ConsumerHeartbeat;
import dev.ferry.group.GroupResult.ConsumerHeartbeatResult;

/**
 * Up to five consumers of Kafka's consumer protocol (KIP-848), each a well-behaved client: it
 * takes what an answer gives it at once, gives up what an answer takes away only by the time it
 * next says what it owns, and rejoins when the broker no longer knows it. Interleaved at random
 * with silent heartbeats (a member slow to revoke), leaves, partitions added to the topics,
 * members falling silent until their session runs out, and subscription changes. Whatever the
 * interleaving:
 * <ul>
 *   <li>no partition is held by two members the broker still counts: what a member may be reading
 *       is its last answer plus what it last said it owned, and those never meet;</li>
 *   <li>the broker's books agree with what it told each member (epoch and assignment), and a member
 *       the broker knows never gets an error;</li>
 *   <li>the records written so far, and the snapshot, give back the same membership;</li>
 *   <li>once every member heartbeats a few times with what it owns, the group is Stable with every
 *       subscribed partition assigned exactly once, to a subscriber, and for UNIFORM with the same
 *       subscription everywhere, counts within one.</li>
 * </ul>
 */
class ConsumerGroupProtocolProperties {
    private static final String GROUP = GroupHarness.GROUP;
    private static final List<String> TOPICS = List.of("ta", "tb", "tc");
    /** The subscription of a member whose mask is 0: by pattern, so a topic created later counts. */
    private static final String REGEX = "t[bc]";
    private static final int MEMBERS = 5;
    private static final int REBALANCE_TIMEOUT_MS = 30_000;
    private static final int SESSION_MS = 45_000;

    enum Kind { JOIN_OR_HEARTBEAT, HEARTBEAT_OWNED, HEARTBEAT_SILENT, LEAVE, GROW, EXPIRE, RESUBSCRIBE }

    /**
     * One step: who acts and how; {@code mask} picks the topics of a (re)subscription (bit per
     * topic; 0 the pattern), {@code amount} the partitions a GROW adds; time moves first.
     */
    record Step(Kind kind, int member, int mask, int amount, int advanceMs) {
    }

    /** The run: the assignor every member asks for (null: none), whether all subscribe to everything. */
    record Scenario(String assignor, boolean sameSubscriptions, List<Integer> initialCounts, List<Step> steps) {
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<Kind> kind = Arbitraries.frequencyOf(
                Tuple.of(25, Arbitraries.just(Kind.JOIN_OR_HEARTBEAT)),
                Tuple.of(25, Arbitraries.just(Kind.HEARTBEAT_OWNED)),
                Tuple.of(15, Arbitraries.just(Kind.HEARTBEAT_SILENT)),
                Tuple.of(8, Arbitraries.just(Kind.LEAVE)),
                Tuple.of(10, Arbitraries.just(Kind.GROW)),
                Tuple.of(5, Arbitraries.just(Kind.EXPIRE)),
                Tuple.of(7, Arbitraries.just(Kind.RESUBSCRIBE)));
        Arbitrary<Step> step = Combinators.combine(kind, Arbitraries.integers().between(0, MEMBERS - 1),
                Arbitraries.integers().between(0, 7), Arbitraries.integers().between(1, 2),
                Arbitraries.integers().between(0, 2_000)).as(Step::new);
        return Combinators.combine(Arbitraries.of("uniform", "range", "none"), Arbitraries.of(true, false),
                        Arbitraries.integers().between(0, 4).list().ofSize(TOPICS.size()),
                        step.list().ofMinSize(1).ofMaxSize(40))
                .as((assignor, same, counts, steps) -> new Scenario(assignor.equals("none") ? null : assignor, same,
                        counts, steps));
    }

    /** What one client knows and holds. */
    private static final class Client {
        final String memberId;
        /** The broker counts it as a member, as far as the client knows. */
        boolean member;
        /** The broker dropped it (its session or rebalance timeout ran out); it does not know yet. */
        boolean fencedUnawares;
        int epoch;
        List<String> names = List.of();
        String regex;
        /** The last assignment the broker sent it. */
        TreeSet<PartitionRef> answered = new TreeSet<>();
        /** What it last said it owned: it may still be reading those until it says otherwise. */
        TreeSet<PartitionRef> reported = new TreeSet<>();

        Client(String memberId) {
            this.memberId = memberId;
        }

        Set<PartitionRef> holding() {
            Set<PartitionRef> holding = new TreeSet<>(answered);
            holding.addAll(reported);
            return holding;
        }

        boolean subscribes(String topic) {
            return names.contains(topic) || (regex != null && Pattern.compile(regex).matcher(topic).matches());
        }

        void forget() {
            member = false;
            fencedUnawares = false;
            epoch = 0;
            answered.clear();
            reported.clear();
        }
    }

    /** One run's world: the broker, the clients, the topics. */
    private static final class World {
        final GroupHarness harness = new GroupHarness();
        final Scenario scenario;
        final Client[] clients = new Client[MEMBERS];
        final SortedMap<String, Integer> counts = new TreeMap<>();

        World(Scenario scenario) {
            this.scenario = scenario;
            // Every change assigned at once: the property is about reconciliation, not batching.
            harness.apply(new GroupCommand.AlterConfigs(harness.nextRequest(), GroupHarness.GROUP,
                    Map.of("consumer.assignment.interval.ms", "0"), false, 0));
            for (int i = 0; i < MEMBERS; i++) {
                clients[i] = new Client("m" + i);
            }
            for (int t = 0; t < TOPICS.size(); t++) {
                if (scenario.initialCounts().get(t) > 0) {
                    counts.put(TOPICS.get(t), scenario.initialCounts().get(t));
                }
            }
        }

        ConsumerHeartbeatResult send(Client client, int epoch, List<String> names, String regex,
                                     List<PartitionRef> owned, int rebalanceTimeoutMs) {
            long request = harness.nextRequest();
            String assignor = epoch == 0 ? scenario.assignor() : null;
            harness.apply(new ConsumerHeartbeat(request, GROUP, client.memberId, epoch, null, null, rebalanceTimeoutMs,
                    names, regex, assignor, owned, "client", "/127.0.0.1", counts, harness.nowMs));
            ConsumerHeartbeatResult result = (ConsumerHeartbeatResult) harness.replies.get(request);
            assertThat(result).as("heartbeat %d answered at once", request).isNotNull();
            return result;
        }

        void join(Client client, int mask) {
            subscribe(client, mask);
            ConsumerHeartbeatResult result = send(client, 0, client.names, client.regex, List.of(),
                    REBALANCE_TIMEOUT_MS);
            assertThat(result.error()).as("join of %s: %s", client.memberId, result.errorMessage()).isNull();
            client.forget();
            client.member = true;
            client.epoch = result.memberEpoch();
            client.answered = new TreeSet<>(result.assignment());
        }

        /** A heartbeat; with {@code tellOwned} it says what it owns, its last answer (it has revoked the rest). */
        void heartbeat(Client client, boolean tellOwned, List<String> names, String regex) {
            List<PartitionRef> owned = tellOwned ? new ArrayList<>(client.answered) : null;
            ConsumerHeartbeatResult result = send(client, client.epoch, names, regex, owned, -1);
            if (client.fencedUnawares) {
                assertThat(result.error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
                client.forget();
                return;
            }
            assertThat(result.error()).as("heartbeat of %s at %d: %s", client.memberId, client.epoch,
                    result.errorMessage()).isNull();
            if (tellOwned) {
                client.reported = new TreeSet<>(owned);
            }
            client.epoch = result.memberEpoch();
            if (result.assignment() != null) {
                client.answered = new TreeSet<>(result.assignment());
            }
        }

        void leave(Client client) {
            ConsumerHeartbeatResult result = send(client, -1, null, null, null, -1);
            if (client.fencedUnawares) {
                assertThat(result.error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
            } else {
                assertThat(result.error()).isNull();
                assertThat(result.memberEpoch()).isEqualTo(-1);
            }
            client.forget(); // a consumer gives everything up before it leaves
        }

        void subscribe(Client client, int mask) {
            if (scenario.sameSubscriptions()) {
                client.names = TOPICS;
                client.regex = null;
            } else if (mask == 0) {
                client.names = List.of();
                client.regex = REGEX;
            } else {
                List<String> names = new ArrayList<>();
                for (int t = 0; t < TOPICS.size(); t++) {
                    if ((mask & (1 << t)) != 0) {
                        names.add(TOPICS.get(t));
                    }
                }
                client.names = List.copyOf(names);
                client.regex = null;
            }
        }

        void expireTimers() {
            harness.apply(new GroupCommand.ExpireTimers(GROUP, harness.nowMs));
            Set<String> known = new HashSet<>(membersById().keySet());
            for (Client client : clients) {
                if (client.member && !client.fencedUnawares && !known.contains(client.memberId)) {
                    // It may go on reading as a zombie: Kafka's guarantee is for members it still counts.
                    client.fencedUnawares = true;
                    client.answered.clear();
                    client.reported.clear();
                }
            }
            long next = harness.groups.nextDeadlineMs(GROUP);
            assertThat(next).as("nothing due is left behind").isGreaterThan(harness.nowMs);
        }

        Map<String, ConsumerGroupDescription.Member> membersById() {
            Map<String, ConsumerGroupDescription.Member> byId = new HashMap<>();
            Groups.ConsumerGroupLookup lookup = harness.groups.describeConsumerGroup(GROUP);
            if (lookup.group() != null) {
                for (ConsumerGroupDescription.Member member : lookup.group().members()) {
                    byId.put(member.memberId(), member);
                }
            }
            return byId;
        }

        List<Client> live() {
            List<Client> live = new ArrayList<>();
            for (Client client : clients) {
                if (client.member && !client.fencedUnawares) {
                    live.add(client);
                }
            }
            return live;
        }

        void act(Step step) {
            harness.nowMs += step.advanceMs();
            expireTimers();
            Client client = clients[step.member()];
            switch (step.kind()) {
                case JOIN_OR_HEARTBEAT, HEARTBEAT_OWNED -> {
                    if (client.member) {
                        heartbeat(client, true, null, null);
                    } else {
                        join(client, step.mask());
                    }
                }
                case HEARTBEAT_SILENT -> {
                    if (client.member) {
                        heartbeat(client, false, null, null);
                    }
                }
                case LEAVE -> {
                    if (client.member) {
                        leave(client);
                    }
                }
                case GROW -> counts.merge(TOPICS.get(step.member() % TOPICS.size()), step.amount(), Integer::sum);
                case EXPIRE -> {
                    if (!client.member || client.fencedUnawares) {
                        return;
                    }
                    // The client falls silent; the others keep heartbeating until its session is over.
                    harness.nowMs += SESSION_MS - 5_000;
                    expireTimers();
                    List<Client> others = new ArrayList<>();
                    for (Client other : clients) {
                        if (other != client && other.member) {
                            heartbeat(other, true, null, null);
                            if (other.member) {
                                others.add(other);
                            }
                        }
                    }
                    harness.nowMs += 6_000;
                    expireTimers();
                    assertThat(client.fencedUnawares).as("%s silent past its session", client.memberId).isTrue();
                    // Having just said what they own, the others have revoked all they had to: none goes.
                    for (Client other : others) {
                        assertThat(other.fencedUnawares).as("%s heartbeat 6 s ago", other.memberId).isFalse();
                    }
                }
                case RESUBSCRIBE -> {
                    if (!client.member || scenario.sameSubscriptions()) {
                        return;
                    }
                    subscribe(client, step.mask());
                    // An empty regex drops a pattern; names [] drop the names (Kafka's client sends one of them).
                    heartbeat(client, true, client.names, client.regex == null ? "" : client.regex);
                }
            }
        }

        void checkInvariants() {
            Map<String, ConsumerGroupDescription.Member> described = membersById();
            List<Client> live = live();
            assertThat(described.keySet()).as("the members the broker counts")
                    .containsExactlyInAnyOrderElementsOf(live.stream().map(client -> client.memberId).toList());
            for (Client client : live) {
                ConsumerGroupDescription.Member member = described.get(client.memberId);
                assertThat(member.memberEpoch()).as("epoch of %s", client.memberId).isEqualTo(client.epoch);
                assertThat(member.assignment()).as("assignment of %s", client.memberId)
                        .containsExactlyElementsOf(client.answered);
                for (PartitionRef partition : member.assignment()) {
                    assertThat(client.subscribes(partition.topic()))
                            .as("%s subscribes to %s", client.memberId, partition.topic()).isTrue();
                }
            }
            Map<PartitionRef, String> holder = new HashMap<>();
            for (Client client : live) {
                for (PartitionRef partition : client.holding()) {
                    String other = holder.put(partition, client.memberId);
                    assertThat(other).as("%s held by %s and %s", partition, other, client.memberId).isNull();
                }
            }
            checkReplay();
            GroupState state = harness.state();
            if (live.isEmpty()) {
                assertThat(state).isIn(null, GroupState.EMPTY);
            } else {
                assertThat(state).isIn(GroupState.ASSIGNING, GroupState.RECONCILING, GroupState.STABLE);
            }
        }

        /**
         * The records written so far, and the snapshot compaction would keep, each bring back the
         * membership as it stands: what a restart must not lose (epochs, assignments, targets).
         */
        void checkReplay() {
            Groups.ConsumerGroupLookup live = harness.groups.describeConsumerGroup(GROUP);
            Groups replayed = new Groups(GroupConfig.defaults());
            for (GroupRecord record : harness.records) {
                replayed.restore(record, harness.nowMs);
            }
            assertThat(replayed.describeConsumerGroup(GROUP)).as("replayed from the log").isEqualTo(live);
            Groups compacted = new Groups(GroupConfig.defaults());
            for (GroupRecord record : harness.groups.snapshot()) {
                compacted.restore(record, harness.nowMs);
            }
            assertThat(compacted.describeConsumerGroup(GROUP)).as("restored from the snapshot").isEqualTo(live);
        }

        /** Every member heartbeats with what it owns, round after round, no time passing. */
        void settle(int rounds) {
            for (int round = 0; round < rounds; round++) {
                for (Client client : clients) {
                    if (client.member) {
                        heartbeat(client, true, null, null);
                    }
                }
                checkInvariants();
            }
        }

        void checkSettled() {
            List<Client> live = live();
            if (live.isEmpty()) {
                assertThat(harness.state()).isIn(null, GroupState.EMPTY);
                return;
            }
            ConsumerGroupDescription group = harness.groups.describeConsumerGroup(GROUP).group();
            assertThat(group.state()).as("after the members settled: %s", group).isEqualTo(GroupState.STABLE);
            assertThat(group.members()).allSatisfy(member -> {
                assertThat(member.memberEpoch()).isEqualTo(group.groupEpoch());
                assertThat(member.assignment()).isEqualTo(member.targetAssignment());
            });

            Set<PartitionRef> subscribed = new TreeSet<>();
            for (Map.Entry<String, Integer> topic : counts.entrySet()) {
                if (live.stream().anyMatch(client -> client.subscribes(topic.getKey()))) {
                    for (int p = 0; p < topic.getValue(); p++) {
                        subscribed.add(new PartitionRef(topic.getKey(), p));
                    }
                }
            }
            List<PartitionRef> assigned = new ArrayList<>();
            for (Client client : live) {
                assigned.addAll(client.answered);
            }
            assertThat(assigned).as("every subscribed partition once").doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(subscribed);

            boolean uniform = scenario.assignor() == null || scenario.assignor().equals("uniform");
            if (scenario.sameSubscriptions()) {
                if (uniform) {
                    int most = live.stream().mapToInt(client -> client.answered.size()).max().orElseThrow();
                    int least = live.stream().mapToInt(client -> client.answered.size()).min().orElseThrow();
                    assertThat(most - least).as("uniform spread %s", group).isLessThanOrEqualTo(1);
                } else {
                    for (String topic : counts.keySet()) {
                        List<Long> perMember = live.stream().map(client -> client.answered.stream()
                                .filter(partition -> partition.topic().equals(topic)).count()).toList();
                        long most = perMember.stream().mapToLong(Long::longValue).max().orElseThrow();
                        long least = perMember.stream().mapToLong(Long::longValue).min().orElseThrow();
                        assertThat(most - least).as("range spread of %s", topic).isLessThanOrEqualTo(1);
                    }
                }
            }
        }
    }

    @Property(tries = 200, seed = "20261204")
    void shouldNeverGiveAPartitionTwiceAndSettleOnABalancedAssignment(@ForAll("scenarios") Scenario scenario) {
        World world = new World(scenario);
        for (Step step : scenario.steps()) {
            world.act(step);
            world.checkInvariants();
        }
        // Reaching the target takes three rounds at most: revoke, say so, take what was freed.
        world.settle(4);
        world.checkSettled();
    }
}
