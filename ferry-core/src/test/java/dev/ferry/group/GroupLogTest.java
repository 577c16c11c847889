package dev.ferry.group;

import static dev.ferry.group.GroupHarness.bytes;
import static dev.ferry.group.GroupHarness.protocol;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.GroupResult.JoinResult;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.LogFlusher;

/** Committed offsets and group membership come back from the groups' log after a restart. */
class GroupLogTest {
    private static final PartitionRef P0 = new PartitionRef("orders", 0);
    private static final PartitionRef P1 = new PartitionRef("orders", 1);

    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final FileHandleCache files = new FileHandleCache(16);
    private GroupCoordinator coordinator;

    @AfterEach
    void close() {
        if (coordinator != null) {
            coordinator.close();
        }
        flusher.close();
    }

    private Path directory() {
        return dataDir.resolve("groups");
    }

    private GroupCoordinator open() {
        if (coordinator != null) {
            coordinator.close();
        }
        coordinator = GroupCoordinator.open(directory(), GroupConfig.defaults().withInitialRebalanceDelayMs(0),
                flusher, files, System::currentTimeMillis);
        return coordinator;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> future) throws Exception {
        return future.get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldBringCommittedOffsetsBackAfterAReopen() throws Exception {
        GroupCoordinator first = open();
        await(first.commitOffsets("g", -1, "", null, List.of(new OffsetToCommit(P0, 10, 3, "first"),
                new OffsetToCommit(P1, 20, -1, ""))));
        await(first.commitOffsets("g", -1, "", null, List.of(new OffsetToCommit(P0, 11, 4, "second"))));
        await(first.commitOffsets("h", -1, "", null, List.of(new OffsetToCommit(P0, 99, -1, ""))));
        // The empty group id is a group name like any other (Kafka keeps group-less commits under it).
        await(first.commitOffsets("", -1, "", null, List.of(new OffsetToCommit(P1, 7, -1, ""))));

        GroupCoordinator second = open();
        Map<PartitionRef, CommittedOffset> offsets = await(second.fetchOffsets("g", null));
        assertThat(offsets).containsOnlyKeys(P0, P1);
        assertThat(offsets.get(P0).offset()).isEqualTo(11);
        assertThat(offsets.get(P0).leaderEpoch()).isEqualTo(4);
        assertThat(offsets.get(P0).metadata()).isEqualTo("second");
        assertThat(offsets.get(P1).offset()).isEqualTo(20);
        assertThat(await(second.fetchOffsets("h", List.of(P0))).get(P0).offset()).isEqualTo(99);
        assertThat(await(second.fetchOffsets("", null))).containsOnlyKeys(P1);
    }

    @Test
    void shouldBringTheLastGenerationBackAfterAReopen() throws Exception {
        GroupCoordinator first = open();
        JoinResult join = await(first.join("g", "", null, "client", "/127.0.0.1", 30_000, 60_000, "consumer",
                List.of(protocol("range")), false));
        assertThat(join.generationId()).isEqualTo(1);
        await(first.sync("g", 1, join.memberId(), null, "consumer", "range", Map.of(join.memberId(), bytes("A"))));
        await(first.commitOffsets("g", 1, join.memberId(), null, List.of(new OffsetToCommit(P0, 5, -1, ""))));

        GroupCoordinator second = open();
        GroupDescription described = await(second.describe("g")).orElseThrow();
        assertThat(described.state()).isEqualTo(GroupState.STABLE);
        assertThat(described.protocolName()).isEqualTo("range");
        assertThat(described.members()).singleElement().satisfies(member -> {
            assertThat(member.memberId()).isEqualTo(join.memberId());
            assertThat(member.assignment()).isEqualTo(bytes("A"));
        });
        // The member carries on where it was, without a rebalance.
        assertThat(await(second.heartbeat("g", 1, join.memberId(), null)).error()).isNull();
        assertThat(await(second.fetchOffsets("g", null)).get(P0).offset()).isEqualTo(5);
    }

    @Test
    void shouldForgetDeletedGroupsAndOffsetsAfterAReopen() throws Exception {
        GroupCoordinator first = open();
        await(first.commitOffsets("gone", -1, "", null, List.of(new OffsetToCommit(P0, 1, -1, ""))));
        await(first.commitOffsets("kept", -1, "", null, List.of(new OffsetToCommit(P0, 2, -1, ""),
                new OffsetToCommit(P1, 3, -1, ""))));
        assertThat(await(first.deleteGroup("gone")).error()).isNull();
        assertThat(await(first.deleteOffsets("kept", List.of(P1))).error()).isNull();

        GroupCoordinator second = open();
        assertThat(await(second.list())).extracting(GroupListing::groupId).containsExactly("kept");
        assertThat(await(second.fetchOffsets("kept", null))).containsOnlyKeys(P0);
    }

    @Test
    void shouldCompactTheLogToWhatStandsAtStart() throws Exception {
        GroupCoordinator first = open();
        for (int i = 0; i < 50; i++) {
            await(first.commitOffsets("g", -1, "", null, List.of(new OffsetToCommit(P0, i, -1, ""))));
        }
        open();
        coordinator.close();
        coordinator = null;
        try (GroupLog log = GroupLog.open(directory(), flusher, files)) {
            assertThat(log.recovered()).containsExactly(new GroupRecord.OffsetCommitted("g", P0,
                    ((GroupRecord.OffsetCommitted) log.recovered().get(0)).offset()));
            assertThat(((GroupRecord.OffsetCommitted) log.recovered().get(0)).offset().offset()).isEqualTo(49);
        }
    }

    @Test
    void shouldKeepEveryIntactCommitWhenTheTailIsTorn() throws Exception {
        GroupCoordinator first = open();
        await(first.commitOffsets("g", -1, "", null, List.of(new OffsetToCommit(P0, 7, -1, ""))));
        await(first.commitOffsets("g", -1, "", null, List.of(new OffsetToCommit(P1, 8, -1, ""))));
        first.close();
        coordinator = null;
        Path segment;
        try (Stream<Path> list = Files.list(directory())) {
            segment = list.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        long intactBytes = Files.size(segment);
        // A write cut short by a crash: the start of a batch header and nothing more.
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer torn = ByteBuffer.allocate(30);
            torn.putLong(2).putInt(500).put(new byte[18]).flip();
            channel.write(torn);
        }

        GroupCoordinator second = open();
        assertThat(await(second.fetchOffsets("g", null))).containsOnlyKeys(P0, P1);
        await(second.commitOffsets("g", -1, "", null, List.of(new OffsetToCommit(P0, 9, -1, ""))));
        assertThat(Files.size(segment)).isGreaterThan(intactBytes);

        GroupCoordinator third = open();
        assertThat(await(third.fetchOffsets("g", null)).get(P0).offset()).isEqualTo(9);
    }

    @Test
    void shouldSkipARecordThatDoesNotDecodeAndKeepTheRest() throws Exception {
        try (GroupLog log = GroupLog.open(directory(), flusher, files)) {
            log.append(List.of(new GroupRecord.OffsetCommitted("g", P0, new CommittedOffset(1, -1, "", 0)))).get();
        }
        // An intact record this broker cannot read (a value version from the future).
        try (dev.ferry.log.Log raw = dev.ferry.log.Log.open(directory(), GroupLog.config(), flusher, files)) {
            byte[] key = GroupRecordCodec.encode(new GroupRecord.OffsetRemoved("g", P1)).key();
            raw.append(List.of(new org.apache.kafka.common.record.internal.SimpleRecord(-1L, key, new byte[] {9, 9})))
                    .get();
        }
        try (GroupLog log = GroupLog.open(directory(), flusher, files)) {
            log.append(List.of(new GroupRecord.OffsetCommitted("g", P1, new CommittedOffset(2, -1, "", 0)))).get();
        }
        GroupCoordinator reopened = open();
        Map<PartitionRef, CommittedOffset> offsets = await(reopened.fetchOffsets("g", null));
        assertThat(offsets.get(P0).offset()).isEqualTo(1);
        assertThat(offsets.get(P1).offset()).isEqualTo(2);
    }

    @Test
    void shouldEncodeEveryRecordKindAndBack() {
        List<GroupRecord> records = List.of(
                new GroupRecord.OffsetCommitted("g", P0, new CommittedOffset(5, 2, "ünïcode", 1234)),
                new GroupRecord.OffsetRemoved("g", P1),
                new GroupRecord.GroupMetadata("g", "consumer", 3, "range", "m1", List.of(
                        new GroupRecord.StoredMember("m1", null, "c", "/h", 1, 2, bytes("s"), bytes("a")),
                        new GroupRecord.StoredMember("m2", "i2", "c", "/h", 3, 4, new byte[0], new byte[0]))),
                new GroupRecord.GroupMetadata("e", null, 4, null, null, List.of()),
                new GroupRecord.GroupRemoved("g"),
                new GroupRecord.ConfigsChanged("g", Map.of("consumer.session.timeout.ms", "50000",
                        "share.auto.offset.reset", "earliest")),
                new GroupRecord.ConfigsChanged("g", Map.of()),
                new GroupRecord.ConsumerGroupState("k", 7, 6, "range", Map.of("orders", 2, "audit", 1)),
                new GroupRecord.ConsumerGroupState("empty", 3, 3, "uniform", Map.of()),
                new GroupRecord.ConsumerMemberState("k", new GroupRecord.StoredConsumerMember("m1", "i1", "rack-a",
                        "c1", "/h", 30_000, List.of("audit", "orders"), null, "range", 6, 5, "UNREVOKED_PARTITIONS",
                        List.of(P0), List.of(P1), null), List.of(P0)),
                new GroupRecord.ConsumerMemberState("k", new GroupRecord.StoredConsumerMember("m2", null, null, "c2",
                        "/h", 45_000, List.of(), "ord.*", null, -2, 6, "STABLE", List.of(), List.of(), null),
                        List.of(P1, new PartitionRef("audit", 0))),
                // A classic member inside the consumer group (online migration): its session timeout and protocols.
                new GroupRecord.ConsumerMemberState("k", new GroupRecord.StoredConsumerMember("m3", null, null, "c3",
                        "/h", 60_000, List.of("orders"), null, null, 6, 6, "STABLE", List.of(P1), List.of(),
                        new ConsumerGroupMember.ClassicMetadata(10_000, List.of(
                                new Protocol("cooperative-sticky", new byte[] {0, 3, 1}),
                                new Protocol("range", new byte[0])))), List.of(P1)),
                new GroupRecord.ConsumerMemberRemoved("k", "m2"),
                new GroupRecord.ConsumerGroupRemoved("k"));
        for (GroupRecord record : records) {
            GroupRecordCodec.Encoded encoded = GroupRecordCodec.encode(record);
            GroupRecord decoded = GroupRecordCodec.decode(ByteBuffer.wrap(encoded.key()),
                    encoded.value() == null ? null : ByteBuffer.wrap(encoded.value()));
            assertThat(GroupRecordCodec.encode(decoded)).usingRecursiveComparison().isEqualTo(encoded);
            assertThat(decoded.key()).isEqualTo(record.key());
        }
    }

    @Test
    void shouldBringConsumerProtocolMembersBackAtTheirEpochsAfterAReopenAndCompaction() throws Exception {
        GroupCoordinator first = open();
        await(first.alterConfigs("k", Map.of("consumer.assignment.interval.ms", "0"), false));
        java.util.SortedMap<String, Integer> topics = new java.util.TreeMap<>(Map.of("orders", 2));
        var joined = await(first.consumerHeartbeat("k", "m1", 0, null, null, 30_000, List.of("orders"), null, null,
                List.of(), "c", "/h", topics));
        assertThat(joined.memberEpoch()).isEqualTo(1);
        var second = await(first.consumerHeartbeat("k", "m2", 0, null, null, 30_000, List.of("orders"), null, null,
                List.of(), "c", "/h", topics));
        assertThat(second.memberEpoch()).isEqualTo(2);
        // m1 gives up one partition; it stays at epoch 1 until it says so.
        var revoking = await(first.consumerHeartbeat("k", "m1", 1, null, null, -1, null, null, null, null, "c", "/h",
                topics));
        assertThat(revoking.assignment()).hasSize(1);
        await(first.commitOffsets("k", 1, "m1", null, List.of(new OffsetToCommit(P0, 7, -1, ""))));
        Groups.ConsumerGroupLookup before = await(first.describeConsumerGroup("k"));

        GroupCoordinator reopened = open(); // compacts the log to what stands
        Groups.ConsumerGroupLookup after = await(reopened.describeConsumerGroup("k"));
        assertThat(after).isEqualTo(before);
        assertThat(after.group().members()).extracting(ConsumerGroupDescription.Member::memberEpoch)
                .containsExactly(1, 2);
        // m1 completes its revocation after the restart and m2 then takes the partition: no rebalance.
        var acknowledged = await(reopened.consumerHeartbeat("k", "m1", 1, null, null, -1, null, null, null,
                revoking.assignment(), "c", "/h", topics));
        assertThat(acknowledged.error()).isNull();
        assertThat(acknowledged.memberEpoch()).isEqualTo(2);
        var granted = await(reopened.consumerHeartbeat("k", "m2", 2, null, null, -1, null, null, null, null, "c", "/h",
                topics));
        assertThat(granted.assignment()).hasSize(1).doesNotContainAnyElementsOf(revoking.assignment());
        assertThat(await(reopened.describeConsumerGroup("k")).group().groupEpoch()).isEqualTo(2);
        assertThat(await(reopened.fetchOffsets("k", null)).get(P0).offset()).isEqualTo(7);

        // Once emptied and deleted, the group stays gone across a reopen.
        await(reopened.consumerHeartbeat("k", "m1", -1, null, null, -1, null, null, null, null, "c", "/h", topics));
        await(reopened.consumerHeartbeat("k", "m2", -1, null, null, -1, null, null, null, null, "c", "/h", topics));
        assertThat(await(reopened.list())).extracting(GroupListing::type, GroupListing::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(GroupListing.CONSUMER, GroupState.EMPTY));
        GroupCoordinator emptied = open();
        assertThat(await(emptied.list())).extracting(GroupListing::type).containsExactly(GroupListing.CONSUMER);
        assertThat(await(emptied.deleteGroup("k")).error()).isNull();
        GroupCoordinator deleted = open();
        assertThat(await(deleted.list())).isEmpty();
    }

    @Test
    void shouldKeepGroupConfigsAcrossReopensAndCompactionWhateverHappensToTheGroup() throws Exception {
        GroupCoordinator first = open();
        assertThat(await(first.alterConfigs("g", Map.of("consumer.session.timeout.ms", "50000"), false)).error())
                .isNull();
        assertThat(await(first.alterConfigs("g", Map.of("consumer.heartbeat.interval.ms", "6000"), false)).error())
                .isNull();
        Map<String, String> removed = new java.util.HashMap<>();
        removed.put("consumer.session.timeout.ms", null);
        await(first.alterConfigs("cleared", Map.of("streams.num.standby.replicas", "1"), false));
        await(first.alterConfigs("cleared", Map.of("streams.num.standby.replicas", "2"), false));
        removed.clear();
        removed.put("streams.num.standby.replicas", null);
        assertThat(await(first.alterConfigs("cleared", removed, false)).error()).isNull();
        // A group's configs outlive the group (as in Kafka): committing and deleting it leaves them.
        await(first.commitOffsets("g", -1, "", null, List.of(new OffsetToCommit(P0, 1, -1, ""))));
        assertThat(await(first.deleteGroup("g")).error()).isNull();

        GroupCoordinator second = open();
        assertThat(await(second.configs("g"))).containsExactlyInAnyOrderEntriesOf(Map.of(
                "consumer.session.timeout.ms", "50000", "consumer.heartbeat.interval.ms", "6000"));
        assertThat(await(second.configs("cleared"))).isEmpty();
        coordinator.close();
        coordinator = null;
        try (GroupLog log = GroupLog.open(directory(), flusher, files)) {
            // Compacted at the second start: one record for what stands, none for a group without overrides.
            assertThat(log.recovered()).containsExactly(new GroupRecord.ConfigsChanged("g", Map.of(
                    "consumer.session.timeout.ms", "50000", "consumer.heartbeat.interval.ms", "6000")));
        }
    }

    @Test
    void shouldRefuseAGroupConfigChangeWithoutStoringAnything() throws Exception {
        GroupCoordinator first = open();
        GroupResult.AlterConfigsResult refused = await(first.alterConfigs("g",
                Map.of("consumer.session.timeout.ms", "50000", "consumer.heartbeat.interval.ms", "1"), false));
        assertThat(refused.error()).isEqualTo(dev.ferry.error.ErrorCode.INVALID_CONFIG);
        assertThat(refused.message()).isEqualTo("consumer.heartbeat.interval.ms must be greater than or equal to "
                + "group.consumer.min.heartbeat.interval.ms");
        assertThat(await(first.alterConfigs("g", Map.of("consumer.session.timeout.ms", "50000"), true)).error()).isNull();
        assertThat(await(first.configs("g"))).isEmpty();

        open();
        coordinator.close();
        coordinator = null;
        try (GroupLog log = GroupLog.open(directory(), flusher, files)) {
            assertThat(log.recovered()).isEmpty();
        }
    }
}
