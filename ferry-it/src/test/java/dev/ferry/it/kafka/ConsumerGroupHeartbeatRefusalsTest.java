package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.RawKafkaClient;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How ConsumerGroupHeartbeat (KIP-848) refuses what a member should not send, as raw requests:
 * malformed heartbeats with Kafka's texts, static members in each other's way, leaves in the name of
 * someone else. Every expected answer was first seen from Kafka 4.3.1 ({@code -Dferry.it.kafka}).
 */
class ConsumerGroupHeartbeatRefusalsTest extends KafkaTestBase {
    private RawKafkaClient raw;
    private String topic;
    private String group;

    @BeforeEach
    void setUp() throws Exception {
        topic = unique("heartbeat-refusals");
        group = unique("heartbeat-refusals-group");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        String bootstrap = bootstrap();
        raw = new RawKafkaClient(bootstrap.substring(0, bootstrap.lastIndexOf(':')), bootstrapPort());
    }

    @AfterEach
    void tearDown() throws Exception {
        raw.close();
    }

    @Test
    void shouldRefuseMalformedHeartbeatsWithKafkasTexts() throws Exception {
        assertRefused(joining().setGroupId(""), "GroupId can't be empty.");
        assertRefused(joining().setInstanceId(""), "InstanceId can't be empty.");
        assertRefused(joining().setRackId(""), "RackId can't be empty.");
        assertRefused(joining().setRebalanceTimeoutMs(-1), "RebalanceTimeoutMs must be provided in first request.");
        assertRefused(joining().setTopicPartitions(null), "TopicPartitions must be empty when (re-)joining.");
        assertRefused(joining().setSubscribedTopicNames(null),
                "Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.");
        assertRefused(joining().setMemberEpoch(-2), "InstanceId can't be null.");
        assertRefused(joining().setMemberEpoch(-3), "MemberEpoch is invalid.");

        ConsumerGroupHeartbeatResponseData badPattern = heartbeat(joining().setSubscribedTopicNames(null)
                .setSubscribedTopicRegex("["));
        assertThat(Errors.forCode(badPattern.errorCode())).isEqualTo(Errors.INVALID_REGULAR_EXPRESSION);
        // None of these made a group.
        ConsumerGroupHeartbeatResponseData unknown = heartbeat(new ConsumerGroupHeartbeatRequestData()
                .setGroupId(group).setMemberId(Uuid.randomUuid().toString()).setMemberEpoch(3));
        assertThat(Errors.forCode(unknown.errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(unknown.errorMessage()).isEqualTo("Consumer group " + group + " not found.");
    }

    @Test
    void shouldKeepAStaticMembersPlaceFromOthersUntilItLeavesForAWhile() throws Exception {
        ConsumerGroupHeartbeatRequestData first = joining().setInstanceId("instance-1");
        ConsumerGroupHeartbeatResponseData joined = heartbeat(first);
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        int epoch = joined.memberEpoch();

        // Another member with the same instance id while the first is in the group.
        ConsumerGroupHeartbeatRequestData second = joining().setInstanceId("instance-1");
        ConsumerGroupHeartbeatResponseData taken = heartbeat(second);
        assertThat(Errors.forCode(taken.errorCode())).isEqualTo(Errors.UNRELEASED_INSTANCE_ID);
        assertThat(taken.errorMessage()).isEqualTo("Static member " + second.memberId() + " with instance id instance-1"
                + " cannot join the group because the instance id is owned by " + first.memberId() + " member.");
        // Leaving in the static member's name with another member id is fenced; with an instance
        // id the group does not have, the member is unknown.
        String fencedId = Uuid.randomUuid().toString();
        ConsumerGroupHeartbeatResponseData fenced = heartbeat(leaving(fencedId, -2).setInstanceId("instance-1"));
        assertThat(Errors.forCode(fenced.errorCode())).isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(fenced.errorMessage()).isEqualTo("Static member " + fencedId + " with instance id instance-1"
                + " was fenced by member " + first.memberId() + ".");
        ConsumerGroupHeartbeatResponseData fencedForGood = heartbeat(leaving(fencedId, -1).setInstanceId("instance-1"));
        assertThat(Errors.forCode(fencedForGood.errorCode())).isEqualTo(Errors.FENCED_INSTANCE_ID);
        ConsumerGroupHeartbeatResponseData nobody = heartbeat(leaving(Uuid.randomUuid().toString(), -2)
                .setInstanceId("instance-2"));
        assertThat(Errors.forCode(nobody.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(nobody.errorMessage()).isEqualTo("Instance id instance-2 is unknown.");
        ConsumerGroupHeartbeatResponseData nobodyForGood = heartbeat(leaving(Uuid.randomUuid().toString(), -1)
                .setInstanceId("instance-2"));
        assertThat(Errors.forCode(nobodyForGood.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        String unknownId = Uuid.randomUuid().toString();
        ConsumerGroupHeartbeatResponseData unknownLeave = heartbeat(leaving(unknownId, -1));
        assertThat(Errors.forCode(unknownLeave.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(unknownLeave.errorMessage()).isEqualTo("Member " + unknownId + " is not a member of group "
                + group + ".");

        // The first member is untouched: a heartbeat at its epoch is answered.
        ConsumerGroupHeartbeatResponseData alive = heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId(group)
                .setMemberId(first.memberId()).setMemberEpoch(epoch));
        assertThat(Errors.forCode(alive.errorCode())).isEqualTo(Errors.NONE);

        // Once it leaves for a while (epoch -2), the same instance id comes back under a new member id.
        ConsumerGroupHeartbeatResponseData away = heartbeat(leaving(first.memberId(), -2).setInstanceId("instance-1"));
        assertThat(Errors.forCode(away.errorCode())).isEqualTo(Errors.NONE);
        assertThat(away.memberEpoch()).isEqualTo(-2);
        ConsumerGroupHeartbeatRequestData successor = joining().setInstanceId("instance-1");
        ConsumerGroupHeartbeatResponseData back = heartbeat(successor);
        assertThat(Errors.forCode(back.errorCode())).isEqualTo(Errors.NONE);
        assertThat(back.memberEpoch()).isEqualTo(epoch);
        ConsumerGroupHeartbeatResponseData old = heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId(group)
                .setMemberId(first.memberId()).setMemberEpoch(epoch));
        assertThat(Errors.forCode(old.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    private void assertRefused(ConsumerGroupHeartbeatRequestData request, String text) throws Exception {
        ConsumerGroupHeartbeatResponseData answer = heartbeat(request);
        assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(answer.errorMessage()).isEqualTo(text);
    }

    /** A first heartbeat (epoch 0) of a new member subscribing to {@link #topic}. */
    private ConsumerGroupHeartbeatRequestData joining() {
        return new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(Uuid.randomUuid().toString())
                .setMemberEpoch(0).setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(List.of(topic))
                .setTopicPartitions(List.of());
    }

    private ConsumerGroupHeartbeatRequestData leaving(String memberId, int epoch) {
        return new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(memberId).setMemberEpoch(epoch);
    }

    private ConsumerGroupHeartbeatResponseData heartbeat(ConsumerGroupHeartbeatRequestData request) throws Exception {
        return raw.exchange(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 1, request,
                new ConsumerGroupHeartbeatResponseData());
    }
}
