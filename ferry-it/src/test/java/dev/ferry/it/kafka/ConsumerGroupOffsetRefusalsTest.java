package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * Offsets of a group of the consumer protocol (KIP-848) under requests its members would not
 * send, as raw requests: commits and fetches in an unknown member's name or at another epoch,
 * deleting the offsets of a topic the group is subscribed to, classic requests to it, describing
 * an empty and an unknown group id. Every expected code was first seen from Kafka 4.3.1
 * ({@code -Dferry.it.kafka=HOST:PORT}).
 */
class ConsumerGroupOffsetRefusalsTest extends RawRequestTestBase {
    @Override
    protected byte keyType() {
        return GROUP_KEY;
    }

    @Test
    void shouldCheckTheMemberAndItsEpochAsKafkaDoes() throws Exception {
        String unsubscribed = createUniqueTopic("offset-refusals-other", 1);
        String member = Uuid.randomUuid().toString();
        ConsumerGroupHeartbeatResponseData joined = raw.exchange(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 1,
                new ConsumerGroupHeartbeatRequestData().setGroupId(key).setMemberId(member).setMemberEpoch(0)
                        .setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(List.of(topic)).setTopicPartitions(List.of()),
                new ConsumerGroupHeartbeatResponseData());
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        int epoch = joined.memberEpoch();

        assertThat(commit(member, epoch, topic)).isEqualTo(Errors.NONE);
        assertThat(commit("nobody", epoch, topic)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        // Outside group management (no member, generation -1) only while the group has no members.
        assertThat(commit("", -1, topic)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(commit(member, -1, topic)).isEqualTo(Errors.STALE_MEMBER_EPOCH);
        assertThat(commit(member, epoch, unsubscribed)).isEqualTo(Errors.NONE);

        assertThat(fetch(member, epoch)).isEqualTo(Errors.NONE);
        assertThat(fetch(member, epoch + 3)).isEqualTo(Errors.STALE_MEMBER_EPOCH);
        assertThat(fetch(member, epoch - 1)).isEqualTo(Errors.STALE_MEMBER_EPOCH);
        assertThat(fetch("nobody", epoch)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(fetch("", -1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        // No member id at all: an admin's read, answered whatever the members.
        assertThat(fetch(null, -1)).isEqualTo(Errors.NONE);

        assertThat(deleteOffsets(topic)).isEqualTo(Errors.GROUP_SUBSCRIBED_TO_TOPIC);
        assertThat(deleteOffsets(unsubscribed)).isEqualTo(Errors.NONE);

        HeartbeatResponseData classic = raw.exchange(ApiKeys.HEARTBEAT, (short) 4, new HeartbeatRequestData().setGroupId(key)
                .setMemberId(member).setGenerationId(epoch), new HeartbeatResponseData());
        assertThat(Errors.forCode(classic.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        DeleteGroupsResponseData deleted = raw.exchange(ApiKeys.DELETE_GROUPS, (short) 2,
                new DeleteGroupsRequestData().setGroupsNames(List.of(key)), new DeleteGroupsResponseData());
        assertThat(Errors.forCode(deleted.results().iterator().next().errorCode())).isEqualTo(Errors.NON_EMPTY_GROUP);
    }

    @Test
    void shouldDescribeAnEmptyGroupIdAsInvalidAndFirst() throws Exception {
        String unknown = unique("offset-refusals-none");
        ConsumerGroupDescribeResponseData described = raw.exchange(ApiKeys.CONSUMER_GROUP_DESCRIBE, (short) 0,
                new ConsumerGroupDescribeRequestData().setGroupIds(List.of(unknown, "")),
                new ConsumerGroupDescribeResponseData());
        assertThat(described.groups()).hasSize(2);
        DescribedGroup empty = described.groups().get(0);
        assertThat(empty.groupId()).isEmpty();
        assertThat(Errors.forCode(empty.errorCode())).isEqualTo(Errors.INVALID_GROUP_ID);
        assertThat(empty.errorMessage()).isNull();
        DescribedGroup missing = described.groups().get(1);
        assertThat(Errors.forCode(missing.errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(missing.errorMessage()).isEqualTo("Group " + unknown + " not found.");
    }

    private Errors commit(String member, int epoch, String topicName) throws Exception {
        OffsetCommitResponseData response = raw.exchange(ApiKeys.OFFSET_COMMIT, (short) 9, new OffsetCommitRequestData()
                .setGroupId(key).setMemberId(member).setGenerationIdOrMemberEpoch(epoch).setTopics(List.of(
                        new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topicName).setPartitions(List.of(
                                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                                        .setCommittedOffset(1))))), new OffsetCommitResponseData());
        return Errors.forCode(response.topics().get(0).partitions().get(0).errorCode());
    }

    private Errors fetch(String member, int epoch) throws Exception {
        OffsetFetchResponseData response = raw.exchange(ApiKeys.OFFSET_FETCH, (short) 9, new OffsetFetchRequestData()
                .setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(key).setMemberId(member)
                        .setMemberEpoch(epoch).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics()
                                .setName(topic).setPartitionIndexes(List.of(0)))))), new OffsetFetchResponseData());
        OffsetFetchResponseData.OffsetFetchResponseGroup group = response.groups().get(0);
        if (group.errorCode() == Errors.NONE.code()) {
            // The offset the member committed above.
            assertThat(group.topics().get(0).partitions().get(0).committedOffset()).isEqualTo(1);
        } else {
            assertThat(group.topics()).isEmpty();
        }
        return Errors.forCode(group.errorCode());
    }

    private Errors deleteOffsets(String topicName) throws Exception {
        OffsetDeleteResponseData response = raw.exchange(ApiKeys.OFFSET_DELETE, (short) 0, new OffsetDeleteRequestData()
                .setGroupId(key).setTopics(new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection(List.of(
                        new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName(topicName).setPartitions(List.of(
                                new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0)))).iterator())),
                new OffsetDeleteResponseData());
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
        return Errors.forCode(response.topics().iterator().next().partitions().iterator().next().errorCode());
    }
}
