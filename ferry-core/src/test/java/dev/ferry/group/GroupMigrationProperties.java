package dev.ferry.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

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
import dev.ferry.group.GroupResult.JoinResult;
import dev.ferry.group.GroupResult.SyncResult;

/**
 * A group mid-migration (KIP-848): two classic consumers form a classic group, a consumer of the
 * new protocol joins it (the group turns), then four clients of mixed kinds (the consumer protocol,
 * classic eager, classic cooperative) act in random order: heartbeats and the rejoins they call
 * for, leaves, silences long enough to be fenced. Each client behaves as its kafka-clients kind
 * does. Whatever the order, no partition is ever held by two clients the broker counts as members,
 * what the records say gives back the same group, and once everyone keeps heartbeating the group
 * is Stable with every partition held once.
 */
class GroupMigrationProperties {
    private static final String GROUP = GroupHarness.GROUP;
    private static final int PARTITIONS = 6;
    private static final int SESSION_MS = 10_000;

    enum Kind { CONSUMER, EAGER, COOPERATIVE }

    enum Action { ACT, ACT_AGAIN, LEAVE, FALL_SILENT }

    record Step(Action action, int client) {
    }

    @Provide
    Arbitrary<Kind> kinds() {
        return Arbitraries.of(Kind.class);
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Action> action = Arbitraries.frequencyOf(Tuple.of(45, Arbitraries.just(Action.ACT)),
                Tuple.of(30, Arbitraries.just(Action.ACT_AGAIN)), Tuple.of(12, Arbitraries.just(Action.LEAVE)),
                Tuple.of(8, Arbitraries.just(Action.FALL_SILENT)));
        return Combinators.combine(action, Arbitraries.integers().between(0, 3)).as(Step::new).list()
                .ofMinSize(1).ofMaxSize(40);
    }

    /** One client as kafka-clients behaves: what it holds, what it believes its membership is. */
    private static final class Client {
        final Kind kind;
        final String name;
        String memberId = "";
        boolean member;
        int epoch;
        /** What it may be reading right now. */
        TreeSet<PartitionRef> holding = new TreeSet<>();
        /** A consumer-protocol client's last answer (it gives up the rest of {@link #holding} by its next heartbeat). */
        TreeSet<PartitionRef> answered = new TreeSet<>();

        Client(Kind kind, String name) {
            this.kind = kind;
            this.name = name;
        }

        void forget() {
            member = false;
            memberId = kind == Kind.CONSUMER ? memberId : "";
            epoch = 0;
            holding.clear();
            answered.clear();
        }
    }

    private static final class World {
        final GroupHarness harness = new GroupHarness(GroupConfig.defaults().withInitialRebalanceDelayMs(0)
                .withSubscriptions(GroupMigrationTest.TEXT).withMigrationPolicy(MigrationPolicy.UPGRADE));
        final SortedMap<String, Integer> topics = new TreeMap<>(Map.of("orders", PARTITIONS));
        final List<Client> clients = new ArrayList<>();
        int nextId;

        World() {
            harness.apply(new GroupCommand.AlterConfigs(harness.nextRequest(), GROUP,
                    Map.of("consumer.assignment.interval.ms", "0"), false, 0));
            assertThat(harness.groups.configs(GROUP)).containsEntry("consumer.assignment.interval.ms", "0");
        }

        // ------------------------------------------------------------ the consumer protocol

        void consumerAct(Client client) {
            int epoch = client.member ? client.epoch : 0;
            List<PartitionRef> owned = client.member ? new ArrayList<>(client.answered) : List.of();
            long request = harness.nextRequest();
            harness.apply(new ConsumerHeartbeat(request, GROUP, client.memberId, epoch, null, null,
                    epoch == 0 ? 60_000 : -1, epoch == 0 ? List.of("orders") : null, null, null, owned, client.name,
                    "/h", topics, harness.nowMs));
            ConsumerHeartbeatResult result = (ConsumerHeartbeatResult) harness.replies.get(request);
            if (result.error() == ErrorCode.UNKNOWN_MEMBER_ID || result.error() == ErrorCode.FENCED_MEMBER_EPOCH) {
                client.forget();
                return;
            }
            assertThat(result.error()).as("%s: %s", client.name, result.errorMessage()).isNull();
            client.member = true;
            client.epoch = result.memberEpoch();
            // It has let go of what it no longer owns; it may read its new assignment from now on.
            client.holding = new TreeSet<>(owned);
            if (result.assignment() != null) {
                client.answered = new TreeSet<>(result.assignment());
            }
            client.holding.addAll(client.answered);
        }

        // ------------------------------------------------------------ the classic protocol

        void classicAct(Client client) {
            if (!client.member) {
                classicJoinAndSync(client);
                return;
            }
            long request = harness.heartbeat(client.memberId, client.epoch);
            ErrorCode error = harness.heartbeatResult(request).error();
            if (error == ErrorCode.REBALANCE_IN_PROGRESS) {
                classicJoinAndSync(client);
            } else if (error != null) {
                client.forget();
            }
        }

        void classicJoinAndSync(Client client) {
            if (!client.member && !groupHasMembers()) {
                return; // an empty group would turn classic with it; this property is about mixed groups
            }
            if (client.kind == Kind.EAGER) {
                client.holding.clear(); // revokes everything before it joins again
            }
            List<String> owned = new ArrayList<>();
            for (PartitionRef partition : client.holding) {
                owned.add(partition.topic() + "-" + partition.partition());
            }
            byte[] metadata = ("orders|" + String.join(",", owned)).getBytes(StandardCharsets.UTF_8);
            long join = harness.nextRequest();
            harness.apply(new GroupCommand.Join(join, GROUP, client.memberId, client.name + "-" + (nextId++), null,
                    client.name, "/h", SESSION_MS, 60_000, "consumer", List.of(new Protocol("range", metadata)),
                    false, topics, harness.nowMs));
            JoinResult joined = harness.joinResult(join);
            if (joined.error() != null) {
                client.forget();
                return;
            }
            client.member = true;
            client.memberId = joined.memberId();
            client.epoch = joined.generationId();
            long sync = harness.sync(client.memberId, client.epoch, Map.of());
            SyncResult synced = harness.syncResult(sync);
            if (synced.error() == ErrorCode.REBALANCE_IN_PROGRESS) {
                return; // it will join again on its next heartbeat; it holds what it kept
            }
            assertThat(synced.error()).as("sync of %s", client.name).isNull();
            client.holding = new TreeSet<>(GroupMigrationTest.partitions(new String(synced.assignment(), StandardCharsets.UTF_8)));
        }

        boolean groupHasMembers() {
            Groups.ConsumerGroupLookup lookup = harness.groups.describeConsumerGroup(GROUP);
            return lookup.error() == null && !lookup.group().members().isEmpty();
        }

        void leave(Client client) {
            if (!client.member) {
                return;
            }
            if (client.kind == Kind.CONSUMER) {
                long request = harness.nextRequest();
                harness.apply(new ConsumerHeartbeat(request, GROUP, client.memberId, -1, null, null, -1, null, null,
                        null, null, client.name, "/h", topics, harness.nowMs));
            } else {
                harness.leave(client.memberId);
            }
            client.forget();
        }

        void act(Client client) {
            if (client.kind == Kind.CONSUMER) {
                consumerAct(client);
            } else {
                classicAct(client);
            }
        }

        /** Time passes with nobody but the others speaking: past every session, the silent one is fenced. */
        void fallSilent(Client client) {
            // Past the classic members' 10 s and the consumer-protocol ones' 45 s (the group default).
            for (int i = 0; i < 5; i++) {
                harness.nowMs += SESSION_MS;
                for (Client other : clients) {
                    if (other != client && other.member) {
                        act(other);
                    }
                }
                harness.apply(new GroupCommand.ExpireTimers(GROUP, harness.nowMs));
            }
            if (!counted(client)) {
                client.forget(); // it stops reading once it cannot heartbeat; the zombie window is not modelled
            }
        }

        boolean counted(Client client) {
            Groups.ConsumerGroupLookup lookup = harness.groups.describeConsumerGroup(GROUP);
            return client.member && lookup.error() == null && lookup.group().members().stream()
                    .anyMatch(member -> member.memberId().equals(client.memberId));
        }

        void assertNoPartitionHeldTwice() {
            List<PartitionRef> held = new ArrayList<>();
            for (Client client : clients) {
                if (counted(client)) {
                    held.addAll(client.holding);
                }
            }
            assertThat(held).as("partitions clients are reading").doesNotHaveDuplicates();
        }

        void assertRecordsRestoreTheGroup() {
            Groups restored = new Groups(GroupConfig.defaults().withSubscriptions(GroupMigrationTest.TEXT));
            for (GroupRecord record : harness.records) {
                restored.restore(record, harness.nowMs);
            }
            assertThat(restored.describeConsumerGroup(GROUP)).isEqualTo(harness.groups.describeConsumerGroup(GROUP));
        }
    }

    @Property(tries = 150)
    void noPartitionIsReadByTwoMembersWhileTheGroupMigrates(@ForAll("kinds") Kind laterKind,
                                                            @ForAll("steps") List<Step> steps) {
        World world = new World();
        Client eager = new Client(Kind.EAGER, "classic-eager");
        Client cooperative = new Client(Kind.COOPERATIVE, "classic-cooperative");
        world.clients.add(eager);
        world.clients.add(cooperative);
        formClassicGroup(world, eager, cooperative);
        Client modern = new Client(Kind.CONSUMER, "modern");
        modern.memberId = "modern-1";
        world.clients.add(modern);
        world.consumerAct(modern);
        assertThat(world.harness.groups.describeConsumerGroup(GROUP).error()).as("the group turned").isNull();
        Client later = new Client(laterKind, "later");
        later.memberId = later.kind == Kind.CONSUMER ? "later-1" : "";
        world.clients.add(later);
        world.assertNoPartitionHeldTwice();

        for (Step step : steps) {
            world.harness.nowMs += 100;
            Client client = world.clients.get(step.client());
            switch (step.action()) {
                case ACT, ACT_AGAIN -> world.act(client);
                case LEAVE -> world.leave(client);
                case FALL_SILENT -> world.fallSilent(client);
            }
            world.assertNoPartitionHeldTwice();
        }
        world.assertRecordsRestoreTheGroup();

        // Everyone keeps heartbeating: the group settles with each partition held once.
        for (int round = 0; round < 8; round++) {
            for (Client client : world.clients) {
                if (client.member) {
                    world.act(client);
                }
                world.assertNoPartitionHeldTwice();
            }
        }
        Groups.ConsumerGroupLookup lookup = world.harness.groups.describeConsumerGroup(GROUP);
        if (lookup.error() == null && !lookup.group().members().isEmpty()) {
            assertThat(lookup.group().state()).isEqualTo(GroupState.STABLE);
            Set<PartitionRef> held = new TreeSet<>();
            for (Client client : world.clients) {
                if (world.counted(client)) {
                    held.addAll(client.holding);
                }
            }
            assertThat(held).hasSize(PARTITIONS);
        }
    }

    /** The two classic clients' own rebalance: both join, the leader assigns 0-2 and 3-5. */
    private static void formClassicGroup(World world, Client first, Client second) {
        GroupHarness harness = world.harness;
        long joinFirst = harness.nextRequest();
        harness.apply(new GroupCommand.Join(joinFirst, GROUP, "", "classic-eager-0", null, first.name, "/h",
                SESSION_MS, 60_000, "consumer", List.of(new Protocol("range", bytes("orders|"))), false,
                harness.nowMs));
        long joinSecond = harness.nextRequest();
        harness.apply(new GroupCommand.Join(joinSecond, GROUP, "", "classic-cooperative-0", null, second.name, "/h",
                SESSION_MS, 60_000, "consumer", List.of(new Protocol("range", bytes("orders|"))), false,
                harness.nowMs));
        harness.completeRebalance();
        first.memberId = harness.joinResult(joinFirst).memberId();
        second.memberId = harness.joinResult(joinSecond).memberId();
        String leader = harness.group().leaderId();
        harness.sync(leader, 1, Map.of(first.memberId, bytes("orders-0,orders-1,orders-2"),
                second.memberId, bytes("orders-3,orders-4,orders-5")));
        harness.sync(leader.equals(first.memberId) ? second.memberId : first.memberId, 1, Map.of());
        for (Client client : List.of(first, second)) {
            client.member = true;
            client.epoch = 1;
        }
        first.holding = new TreeSet<>(GroupMigrationTest.partitions("orders-0,orders-1,orders-2"));
        second.holding = new TreeSet<>(GroupMigrationTest.partitions("orders-3,orders-4,orders-5"));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
