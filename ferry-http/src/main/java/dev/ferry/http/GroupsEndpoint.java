package dev.ferry.http;

import dev.ferry.group.CommittedOffset;
import dev.ferry.group.ConsumerGroupDescription;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.GroupDescription;
import dev.ferry.group.GroupListing;
import dev.ferry.group.GroupState;
import dev.ferry.group.PartitionRef;
import dev.ferry.stream.Partition;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /api/groups[/{name}]}: Kafka consumer groups in the style of RabbitMQ's list endpoints,
 * each with its state, protocol, members (client id, host, assigned partitions) and, per
 * partition it committed an offset for or is assigned, the committed offset, the partition's high
 * watermark and the lag between them. Groups belong to the streams' virtual host; the same tag
 * rules apply as for streams. Descriptions and offsets are queries the group coordinator answers
 * on its own thread; no thread here waits for them.
 */
final class GroupsEndpoint {
    private final BrokerView view;

    GroupsEndpoint(BrokerView view) {
        this.view = view;
    }

    CompletableFuture<ApiResponse> handle(ApiRequest request) {
        QueuesEndpoint.requireGet(request.method());
        GroupCoordinator groups = view.config.groups();
        boolean visible = groups != null && view.seesStreams(request.user());
        int depth = request.path().size();
        ListQuery query = ListQuery.from(request.query());
        if (depth == 1) {
            if (!visible) {
                return ApiResponse.now(ApiResponse.ok(json -> query.write(json, List.<Map<String, Object>>of(),
                        item -> "", item -> item)));
            }
            return groups.list().thenCompose(listings -> {
                List<CompletableFuture<Map<String, Object>>> described = new ArrayList<>();
                listings.stream().sorted(Comparator.comparing(GroupListing::groupId))
                        .forEach(listing -> described.add(groupJson(groups, listing.groupId())
                                .thenApply(json -> json.orElse(null))));
                return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
                    List<Map<String, Object>> items = new ArrayList<>();
                    for (CompletableFuture<Map<String, Object>> one : described) {
                        Map<String, Object> json = one.join();
                        if (json != null) {
                            items.add(json);
                        }
                    }
                    return ApiResponse.ok(json -> query.write(json, items, item -> (String) item.get("name"), item -> item));
                });
            });
        }
        if (depth == 2) {
            if (!visible) {
                throw ApiException.notFound();
            }
            return groupJson(groups, request.segment(1)).thenApply(json ->
                    ApiResponse.okValue(query.select(json.orElseThrow(ApiException::notFound))));
        }
        throw ApiException.notFound();
    }

    /** One member as the JSON shows it, from either protocol. */
    private record Member(String memberId, String groupInstanceId, String clientId, String clientHost,
                          List<PartitionRef> assigned) {
    }

    private CompletableFuture<Optional<Map<String, Object>>> groupJson(GroupCoordinator groups, String groupId) {
        return groups.describe(groupId).thenCombine(groups.fetchOffsets(groupId, null), (description, offsets) -> {
            if (description.isPresent()) {
                GroupDescription classic = description.get();
                List<Member> members = new ArrayList<>();
                for (GroupDescription.MemberDescription member : classic.members()) {
                    members.add(new Member(member.memberId(), member.groupInstanceId(), member.clientId(),
                            member.clientHost(), ConsumerAssignment.partitions(member.assignment())));
                }
                return CompletableFuture.completedFuture(Optional.of(groupJson(groupId, classic.state(),
                        GroupListing.CLASSIC, classic.protocolType(), classic.protocolName(), members, offsets)));
            }
            // Not a classic group: perhaps one of Kafka's consumer protocol (KIP-848).
            return groups.describeConsumerGroup(groupId).thenApply(lookup -> {
                if (lookup.group() == null) {
                    return Optional.<Map<String, Object>>empty();
                }
                ConsumerGroupDescription consumer = lookup.group();
                List<Member> members = new ArrayList<>();
                for (ConsumerGroupDescription.Member member : consumer.members()) {
                    members.add(new Member(member.memberId(), member.instanceId(), member.clientId(),
                            member.clientHost(), member.assignment()));
                }
                return Optional.of(groupJson(groupId, consumer.state(), GroupListing.CONSUMER, "consumer",
                        consumer.assignorName(), members, offsets));
            });
        }).thenCompose(json -> json);
    }

    private Map<String, Object> groupJson(String groupId, GroupState state, String type, String protocolType,
                                          String protocol, List<Member> groupMembers,
                                          Map<PartitionRef, CommittedOffset> offsets) {
        TreeSet<PartitionRef> partitions = new TreeSet<>(offsets.keySet());
        List<Map<String, Object>> members = new ArrayList<>();
        Map<PartitionRef, String> owners = new TreeMap<>();
        for (Member member : groupMembers) {
            List<PartitionRef> assigned = member.assigned();
            List<Map<String, Object>> assignment = new ArrayList<>();
            for (PartitionRef partition : assigned) {
                assignment.add(Map.of("topic", partition.topic(), "partition", partition.partition()));
                partitions.add(partition);
                owners.put(partition, member.memberId());
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("member_id", member.memberId());
            json.put("group_instance_id", member.groupInstanceId());
            json.put("client_id", member.clientId());
            json.put("client_host", member.clientHost());
            json.put("assignment", assignment);
            members.add(json);
        }
        TopicRegistry topics = view.config.topics();
        long totalLag = 0;
        List<Map<String, Object>> lags = new ArrayList<>();
        for (PartitionRef ref : partitions) {
            CommittedOffset committed = offsets.get(ref);
            Partition partition = partitionOrNull(topics, ref);
            Long highWatermark = partition == null ? null : partition.highWatermark();
            Long lag = committed == null || highWatermark == null ? null : Math.max(0, highWatermark - committed.offset());
            if (lag != null) {
                totalLag += lag;
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("topic", ref.topic());
            json.put("partition", ref.partition());
            json.put("committed_offset", committed == null ? null : committed.offset());
            json.put("log_start_offset", partition == null ? null : partition.logStartOffset());
            json.put("high_watermark", highWatermark);
            json.put("lag", lag);
            json.put("member_id", owners.get(ref));
            lags.add(json);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", groupId);
        json.put("vhost", view.config.streamVirtualHost());
        json.put("node", view.config.nodeName());
        json.put("state", state.displayName());
        json.put("type", type);
        json.put("protocol_type", protocolType);
        json.put("protocol", protocol);
        json.put("member_count", members.size());
        json.put("lag", totalLag);
        json.put("members", members);
        json.put("partitions", lags);
        return json;
    }

    private static Partition partitionOrNull(TopicRegistry topics, PartitionRef ref) {
        if (topics == null) {
            return null;
        }
        Optional<Topic> topic = topics.topic(ref.topic());
        if (topic.isEmpty() || ref.partition() < 0 || ref.partition() >= topic.get().partitionCount()) {
            return null;
        }
        return topic.get().partition(ref.partition());
    }
}
