package dev.ferry.kafka.group;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.ConsumerGroupDescription;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.Groups;
import dev.ferry.group.PartitionRef;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.api.TopicIds;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ConsumerGroupDescribe (API 69): groups of Kafka's consumer protocol with their epochs, assignor
 * and each member's current and target assignment. A classic group, or none, is GROUP_ID_NOT_FOUND
 * with Kafka's text, which is what makes Admin fall back to DescribeGroups for classic groups.
 */
public final class ConsumerGroupDescribeHandler implements ApiHandler {
    /** The member type v1 reports for a member that heartbeats with ConsumerGroupHeartbeat. */
    private static final byte CLASSIC_MEMBER = 0;
    private static final byte CONSUMER_MEMBER = 1;

    private final GroupCoordinator coordinator;
    private final TopicRegistry topics;
    private final KafkaAcls acls;

    public ConsumerGroupDescribeHandler(GroupCoordinator coordinator, TopicRegistry topics, KafkaAcls acls) {
        this.coordinator = coordinator;
        this.topics = topics;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CONSUMER_GROUP_DESCRIBE;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 1;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        ConsumerGroupDescribeRequestData request = (ConsumerGroupDescribeRequestData) message;
        // Kafka 4.3.1's order: groups the client may not describe, then empty ids (INVALID_GROUP_ID,
        // no message), then the groups looked up.
        List<CompletableFuture<DescribedGroup>> described = new ArrayList<>();
        List<String> lookedUp = new ArrayList<>();
        for (String groupId : request.groupIds()) {
            if (!acls.allowed(context, Operation.DESCRIBE, ResourceType.GROUP, groupId)) {
                described.add(CompletableFuture.completedFuture(new DescribedGroup().setGroupId(groupId)
                        .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code())));
            } else {
                lookedUp.add(groupId);
            }
        }
        for (String groupId : lookedUp) {
            if (groupId.isEmpty()) {
                described.add(CompletableFuture.completedFuture(new DescribedGroup().setGroupId(groupId)
                        .setErrorCode(Errors.INVALID_GROUP_ID.code())));
            }
        }
        for (String groupId : lookedUp) {
            if (!groupId.isEmpty()) {
                described.add(coordinator.describeConsumerGroup(groupId).thenApply(lookup -> described(groupId, lookup)));
            }
        }
        return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            ConsumerGroupDescribeResponseData response = new ConsumerGroupDescribeResponseData();
            for (CompletableFuture<DescribedGroup> group : described) {
                DescribedGroup answer = group.join();
                if (request.includeAuthorizedOperations() && answer.errorCode() == Errors.NONE.code()) {
                    answer.setAuthorizedOperations(acls.authorizedOperations(context, ResourceType.GROUP, answer.groupId()));
                }
                response.groups().add(answer);
            }
            return response;
        });
    }

    private DescribedGroup described(String groupId, Groups.ConsumerGroupLookup lookup) {
        DescribedGroup group = new DescribedGroup().setGroupId(groupId);
        if (lookup.error() != null) {
            return group.setErrorCode(GroupErrors.code(lookup.error())).setErrorMessage(lookup.message());
        }
        ConsumerGroupDescription description = lookup.group();
        group.setGroupState(description.state().displayName())
                .setGroupEpoch(description.groupEpoch())
                .setAssignmentEpoch(description.assignmentEpoch())
                .setAssignorName(description.assignorName());
        for (ConsumerGroupDescription.Member member : description.members()) {
            group.members().add(new ConsumerGroupDescribeResponseData.Member()
                    .setMemberId(member.memberId())
                    .setInstanceId(member.instanceId())
                    .setRackId(member.rackId())
                    .setMemberEpoch(member.memberEpoch())
                    .setClientId(member.clientId())
                    .setClientHost(member.clientHost())
                    .setSubscribedTopicNames(new ArrayList<>(member.subscribedTopicNames()))
                    .setSubscribedTopicRegex(member.subscribedTopicRegex())
                    .setAssignment(assignment(member.assignment()))
                    .setTargetAssignment(assignment(member.targetAssignment()))
                    .setMemberType(member.classic() ? CLASSIC_MEMBER : CONSUMER_MEMBER));
        }
        return group;
    }

    private ConsumerGroupDescribeResponseData.Assignment assignment(List<PartitionRef> partitions) {
        ConsumerGroupDescribeResponseData.Assignment assignment = new ConsumerGroupDescribeResponseData.Assignment();
        for (Map.Entry<String, List<Integer>> topic
                : ConsumerGroupHeartbeatHandler.partitionsByTopic(partitions).entrySet()) {
            topics.topic(topic.getKey()).ifPresent(found -> assignment.topicPartitions().add(
                    new ConsumerGroupDescribeResponseData.TopicPartitions()
                            .setTopicId(TopicIds.toKafka(found.id()))
                            .setTopicName(found.name())
                            .setPartitions(topic.getValue())));
        }
        return assignment;
    }
}
