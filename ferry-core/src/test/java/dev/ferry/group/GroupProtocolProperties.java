package dev.ferry.group;

import static dev.ferry.group.GroupHarness.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupResult.HeartbeatResult;
import dev.ferry.group.GroupResult.JoinResult;
import dev.ferry.group.GroupResult.JoinedMember;
import dev.ferry.group.GroupResult.SyncResult;

/**
 * Four consumers behaving as kafka-clients does (join, rejoin with the id they are given, the
 * leader assigns, sync, heartbeat, commit), interleaved at random with leaves, crashes (a client
 * that just goes silent) and time passing. Whatever the interleaving:
 * <ul>
 *   <li>every assignment a member receives is the one its generation's leader made for it, and a
 *       Stable group's members all hold theirs;</li>
 *   <li>no request is answered twice, and once the clients are gone and the timers have run out,
 *       every request has been answered and the group is Empty;</li>
 *   <li>generations never go back; a group with members has a leader among them;</li>
 *   <li>replaying the records written so far gives back the same offsets and, for a Stable group,
 *       the same generation, leader, members and assignments.</li>
 * </ul>
 */
class GroupProtocolProperties {
    private static final int CLIENTS = 4;
    private static final List<Protocol> PROTOCOLS = List.of(GroupHarness.protocol("range"));
    private static final PartitionRef PARTITION = new PartitionRef("t", 0);

    /**
     * One step: which client acts, what it does (0-5 its natural next request: join, sync or
     * heartbeat; 6 commit; 7 leave; 8 crash; 9 join again at once), and how much time passes first.
     */
    record Step(int client, int action, int advanceMs) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Combinators.combine(Arbitraries.integers().between(0, CLIENTS - 1),
                Arbitraries.integers().between(0, 9),
                Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(80, Arbitraries.integers().between(0, 300)),
                        net.jqwik.api.Tuple.of(15, Arbitraries.integers().between(300, 3_000)),
                        net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(3_000, 70_000))))
                .as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(300);
    }

    /** What one client knows, as kafka-clients' coordinator would. */
    private static final class Client {
        String memberId = "";
        int generation = -1;
        List<JoinedMember> membersToAssign = List.of();
        boolean synced;
        boolean mustRejoin = true;
        long outstanding = -1;

        void reset() {
            memberId = "";
            generation = -1;
            membersToAssign = List.of();
            synced = false;
            mustRejoin = true;
        }
    }

    @Property(tries = 300, seed = "20261201")
    void shouldRelayAssignmentsAndAnswerEveryRequestWhateverTheInterleaving(@ForAll("steps") List<Step> steps) {
        GroupHarness harness = new GroupHarness(GroupConfig.defaults().withInitialRebalanceDelayMs(1000));
        Client[] clients = new Client[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            clients[i] = new Client();
        }
        List<Long> requests = new ArrayList<>();
        int lastGeneration = 0;
        for (Step step : steps) {
            harness.nowMs += step.advanceMs();
            harness.apply(new GroupCommand.ExpireTimers(GroupHarness.GROUP, harness.nowMs));
            observe(harness, clients);
            act(harness, clients[step.client()], step, requests);
            observe(harness, clients);
            lastGeneration = checkInvariants(harness, lastGeneration);
        }
        // Every client goes away; the timers clean up.
        for (int round = 0; round < 20 && harness.groups.nextDeadlineMs(GroupHarness.GROUP) != ClassicGroup.NO_DEADLINE;
                round++) {
            harness.nowMs += 600_000;
            harness.apply(new GroupCommand.ExpireTimers(GroupHarness.GROUP, harness.nowMs));
        }
        assertThat(harness.answeredTwice).isEmpty();
        assertThat(requests).allSatisfy(id -> assertThat(harness.answered(id)).as("request %d answered", id).isTrue());
        if (harness.state() != null) {
            assertThat(harness.state()).isEqualTo(GroupState.EMPTY);
            assertThat(harness.group().nextDeadlineMs()).isEqualTo(ClassicGroup.NO_DEADLINE);
        }
    }

    private static void act(GroupHarness harness, Client client, Step step, List<Long> requests) {
        if (step.action() == 8) {
            client.outstanding = -1;
            client.reset();
            return;
        }
        if (client.outstanding != -1) {
            return;
        }
        int action = step.action();
        if (action <= 5) {
            action = client.mustRejoin ? 0 : !client.synced ? 1 : 2;
        }
        long id;
        switch (action) {
            case 0, 9 -> {
                id = harness.join(client.memberId, true, PROTOCOLS);
            }
            case 1 -> {
                Map<String, byte[]> assignments = new HashMap<>();
                for (JoinedMember member : client.membersToAssign) {
                    assignments.put(member.memberId(), assignment(client.generation, member.memberId()));
                }
                id = harness.sync(client.memberId, client.generation, assignments);
            }
            case 2 -> {
                id = harness.heartbeat(client.memberId, client.generation);
            }
            case 6 -> {
                id = harness.commit(client.generation, client.memberId, PARTITION, harness.nowMs, "");
            }
            default -> {
                if (client.memberId.isEmpty()) {
                    return;
                }
                id = harness.leave(client.memberId);
                client.reset();
            }
        }
        requests.add(id);
        client.outstanding = id;
    }

    private static void observe(GroupHarness harness, Client[] clients) {
        for (Client client : clients) {
            if (client.outstanding == -1 || !harness.answered(client.outstanding)) {
                continue;
            }
            GroupResult result = harness.replies.get(client.outstanding);
            client.outstanding = -1;
            if (result instanceof JoinResult join) {
                if (join.error() == null) {
                    client.memberId = join.memberId();
                    client.generation = join.generationId();
                    client.membersToAssign = join.members();
                    client.synced = false;
                    client.mustRejoin = false;
                    assertThat(join.members().isEmpty()).isEqualTo(!join.leaderId().equals(join.memberId()));
                } else if (join.error() == ErrorCode.MEMBER_ID_REQUIRED) {
                    client.memberId = join.memberId();
                    client.mustRejoin = true;
                } else if (join.error() == ErrorCode.UNKNOWN_MEMBER_ID) {
                    client.reset();
                }
            } else if (result instanceof SyncResult sync) {
                if (sync.error() == null) {
                    assertThat(sync.assignment()).as("assignment of %s in generation %d", client.memberId,
                            client.generation).isEqualTo(assignment(client.generation, client.memberId));
                    assertThat(sync.protocolName()).isEqualTo("range");
                    client.synced = true;
                } else if (sync.error() == ErrorCode.UNKNOWN_MEMBER_ID) {
                    client.reset();
                } else {
                    client.mustRejoin = true;
                }
            } else if (result instanceof HeartbeatResult heartbeat && heartbeat.error() != null) {
                if (heartbeat.error() == ErrorCode.UNKNOWN_MEMBER_ID) {
                    client.reset();
                } else {
                    client.mustRejoin = true;
                }
            }
        }
    }

    private static byte[] assignment(int generation, String memberId) {
        return bytes(generation + ":" + memberId);
    }

    private static int checkInvariants(GroupHarness harness, int lastGeneration) {
        assertThat(harness.answeredTwice).isEmpty();
        ClassicGroup group = harness.group();
        if (group == null) {
            return lastGeneration;
        }
        assertThat(group.generationId()).isGreaterThanOrEqualTo(lastGeneration);
        GroupState state = group.state();
        if (state == GroupState.EMPTY) {
            assertThat(group.hasMembers()).isFalse();
        }
        if (group.hasMembers()) {
            assertThat(group.members()).extracting(member -> member.memberId).contains(group.leaderId());
        }
        if (state == GroupState.STABLE || state == GroupState.COMPLETING_REBALANCE) {
            assertThat(group.hasMembers()).isTrue();
            assertThat(group.members()).allSatisfy(member ->
                    assertThat(member.supports(group.protocolName())).isTrue());
        }
        if (state == GroupState.STABLE) {
            for (GroupMember member : group.members()) {
                assertThat(member.assignment).isEqualTo(assignment(group.generationId(), member.memberId));
            }
        }
        checkReplay(harness, group);
        return group.generationId();
    }

    private static void checkReplay(GroupHarness harness, ClassicGroup live) {
        Groups replayed = new Groups(GroupConfig.defaults());
        for (GroupRecord record : harness.records) {
            replayed.restore(record, harness.nowMs);
        }
        assertThat(replayed.fetchOffsets(GroupHarness.GROUP, null))
                .isEqualTo(harness.groups.fetchOffsets(GroupHarness.GROUP, null));
        if (live.state() == GroupState.STABLE) {
            ClassicGroup copy = replayed.group(GroupHarness.GROUP);
            assertThat(copy.state()).isEqualTo(GroupState.STABLE);
            assertThat(copy.generationId()).isEqualTo(live.generationId());
            assertThat(copy.leaderId()).isEqualTo(live.leaderId());
            assertThat(copy.members()).extracting(member -> member.memberId)
                    .containsExactlyElementsOf(live.members().stream().map(member -> member.memberId).toList());
            List<byte[]> liveAssignments = live.members().stream().map(member -> member.assignment).toList();
            assertThat(copy.members().stream().map(member -> member.assignment).toList())
                    .usingElementComparator(java.util.Arrays::compare).containsExactlyElementsOf(liveAssignments);
        }
    }
}
