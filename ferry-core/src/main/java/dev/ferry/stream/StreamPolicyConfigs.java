package dev.ferry.stream;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.ferry.error.BrokerException;
import dev.ferry.policy.PolicyDefinitions;
import dev.ferry.policy.QueuePolicy;
import dev.ferry.policy.VirtualHostPolicies;

/**
 * What the policies of the streams' virtual host make of a topic's settings. A stream's retention
 * keys map to topic configs as its declaration arguments do ({@link StreamQueues}):
 *
 * <pre>
 * max-age                        retention.ms
 * max-length-bytes               retention.bytes
 * stream-max-segment-size-bytes  segment.bytes
 * </pre>
 *
 * Precedence is RabbitMQ 3.10's for stream queues, which differs from classic queues' "lowest
 * wins": the value of the policy (merged with the operator policy, where the lower
 * {@code max-length-bytes} wins) replaces the stream's own argument; the stream's own value is in
 * effect only for keys no policy sets. Here "the stream's own value" is the topic's config, however
 * it was set (declaration arguments or Kafka's AlterConfigs). Internal topics get no policy.
 *
 * <p>A pure function of immutable data; thread-safe.
 */
final class StreamPolicyConfigs {
    private StreamPolicyConfigs() {
    }

    /** The topic configs a queue policy sets for a stream, by topic config name; empty when it sets none. */
    static Map<String, String> of(QueuePolicy policy) {
        if (policy.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> definition = policy.effectiveDefinition();
        Map<String, String> configs = new LinkedHashMap<>();
        if (definition.get(PolicyDefinitions.MAX_AGE) instanceof String maxAge) {
            // Policy validation takes "0s", which RabbitMQ's stream declaration refuses; no retention.ms then.
            StreamQueues.maxAgeMs(maxAge).ifPresent(ms -> configs.put(TopicConfig.RETENTION_MS, Long.toString(ms)));
        }
        if (definition.get(PolicyDefinitions.MAX_LENGTH_BYTES) instanceof Long bytes) {
            configs.put(TopicConfig.RETENTION_BYTES, Long.toString(bytes));
        }
        if (definition.get(PolicyDefinitions.STREAM_MAX_SEGMENT_SIZE_BYTES) instanceof Long bytes) {
            configs.put(TopicConfig.SEGMENT_BYTES, Long.toString(bytes));
        }
        return configs;
    }

    /** The topic configs the policies set for topic {@code name}; empty for an internal topic. */
    static Map<String, String> of(VirtualHostPolicies policies, String name, boolean internal) {
        return internal || policies.isEmpty() ? Map.of() : of(policies.forQueue(name));
    }

    /**
     * The config a partition applies: {@code own} with each policy config in its place. A value the
     * topic config refuses (a segment size below the log's minimum or above 2 GiB) is left out, so
     * the topic keeps its own value for that name.
     */
    static TopicConfig effective(TopicConfig own, Map<String, String> policyConfigs) {
        TopicConfig effective = own;
        for (Map.Entry<String, String> entry : policyConfigs.entrySet()) {
            try {
                effective = effective.with(Map.of(entry.getKey(), entry.getValue()));
            } catch (BrokerException refused) {
                // Left at the topic's own value (see above).
            }
        }
        return effective;
    }
}
