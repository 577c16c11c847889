package dev.ferry.http;

import dev.ferry.broker.VirtualHost;
import dev.ferry.policy.QueuePolicy;
import dev.ferry.stream.Partition;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicConfig;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /api/streams[/{vhost}[/{name}]]}: Ferry's streams (Kafka topics) in the style of
 * RabbitMQ's list endpoints (paging, sorting, {@code columns=}), each with its partitions' log
 * start offset, high watermark, size and segment count and the retention settings in effect
 * ({@code config}: the topic's own {@code config_overrides} with what a {@code policy} sets in
 * their place).
 * Streams live in one virtual host (the server's {@code --stream-virtual-host}); who sees that
 * virtual host sees its streams, by the same tag rules as queues. Every value is a volatile read of
 * what the partition published; nothing here is a command to a partition's owner.
 */
final class StreamsEndpoint {
    /** The topic settings an operator looks at to see how long data stays. */
    private static final List<String> RETENTION_SETTINGS = List.of(TopicConfig.CLEANUP_POLICY, TopicConfig.RETENTION_MS,
            TopicConfig.RETENTION_BYTES, TopicConfig.SEGMENT_BYTES, TopicConfig.SEGMENT_MS);

    private final BrokerView view;

    StreamsEndpoint(BrokerView view) {
        this.view = view;
    }

    CompletableFuture<ApiResponse> handle(ApiRequest request) {
        QueuesEndpoint.requireGet(request.method());
        TopicRegistry topics = view.config.topics();
        String streamHost = view.config.streamVirtualHost();
        int depth = request.path().size();
        if (depth == 1) {
            boolean visible = topics != null && view.seesStreams(request.user());
            return list(request, visible ? streams(topics) : List.of());
        }
        VirtualHost host = view.virtualHost(request.user(), request.segment(1));
        boolean hostHasStreams = topics != null && host.name().equals(streamHost);
        if (depth == 2) {
            return list(request, hostHasStreams ? streams(topics) : List.of());
        }
        if (depth == 3 && hostHasStreams) {
            Topic topic = topics.topic(request.segment(2)).orElseThrow(ApiException::notFound);
            return ApiResponse.now(ApiResponse.okValue(ListQuery.from(request.query()).select(streamJson(topic))));
        }
        throw ApiException.notFound();
    }

    private static List<Topic> streams(TopicRegistry topics) {
        List<Topic> listed = new ArrayList<>(topics.topics());
        listed.sort(Comparator.comparing(Topic::name));
        return listed;
    }

    private CompletableFuture<ApiResponse> list(ApiRequest request, List<Topic> topics) {
        ListQuery query = ListQuery.from(request.query());
        return ApiResponse.now(ApiResponse.ok(json -> query.write(json, topics, Topic::name, this::streamJson)));
    }

    Map<String, Object> streamJson(Topic topic) {
        long messages = 0;
        long bytes = 0;
        long segments = 0;
        List<Map<String, Object>> partitions = new ArrayList<>();
        for (Partition partition : topic.partitions()) {
            long logStart = partition.logStartOffset();
            long highWatermark = partition.highWatermark();
            long size = partition.sizeInBytes();
            int segmentCount = partition.segmentCount();
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("partition", partition.index());
            json.put("log_start_offset", logStart);
            json.put("high_watermark", highWatermark);
            json.put("log_end_offset", partition.logEndOffset());
            json.put("messages", Math.max(0, highWatermark - logStart));
            json.put("size_bytes", size);
            json.put("segments", segmentCount);
            json.put("leader_epoch", partition.leaderEpoch());
            partitions.add(json);
            messages += Math.max(0, highWatermark - logStart);
            bytes += size;
            segments += segmentCount;
        }
        TopicConfig effective = topic.effectiveConfig();
        Map<String, Object> retention = new LinkedHashMap<>();
        for (String setting : RETENTION_SETTINGS) {
            retention.put(setting, effective.value(setting));
        }
        QueuePolicy policy = topic.isInternal() ? QueuePolicy.NONE : view.config.broker()
                .virtualHost(view.config.streamVirtualHost()).map(host -> host.policies().forQueue(topic.name()))
                .orElse(QueuePolicy.NONE);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", topic.name());
        json.put("vhost", view.config.streamVirtualHost());
        json.put("type", "stream");
        json.put("node", view.config.nodeName());
        json.put("id", topic.id().toString());
        json.put("internal", topic.isInternal());
        json.put("partition_count", topic.partitionCount());
        json.put("messages", messages);
        json.put("size_bytes", bytes);
        json.put("segments", segments);
        json.put("config", retention);
        json.put("config_overrides", topic.config().overrides());
        json.put("policy", policy.policyName());
        json.put("operator_policy", policy.operatorPolicyName());
        json.put("effective_policy_definition", policy.effectiveDefinition());
        json.put("partitions", partitions);
        return json;
    }
}
