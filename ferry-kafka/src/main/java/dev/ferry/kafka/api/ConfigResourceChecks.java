package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.security.KafkaAcls;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.protocol.Errors;

/**
 * What AlterConfigs and IncrementalAlterConfigs check of a resource before its configs: who may
 * alter it, and the broker's own configs, which Ferry fixes at start.
 */
final class ConfigResourceChecks {
    /** A refusal: the error and its message. */
    record Refusal(Errors error, String message) {
    }

    private ConfigResourceChecks() {
    }

    /**
     * ALTER_CONFIGS on the topic, the group, or the cluster for the broker and its loggers; null
     * when allowed (or the type has no such check).
     */
    static Refusal unauthorized(RequestContext context, KafkaAcls acls, ConfigResource.Type type, String name) {
        if (type == ConfigResource.Type.TOPIC && !acls.allowed(context, Operation.ALTER_CONFIGS, ResourceType.TOPIC, name)) {
            return new Refusal(Errors.TOPIC_AUTHORIZATION_FAILED, Errors.TOPIC_AUTHORIZATION_FAILED.message());
        }
        if ((type == ConfigResource.Type.BROKER || type == ConfigResource.Type.BROKER_LOGGER)
                && !acls.allowedOnCluster(context, Operation.ALTER_CONFIGS)) {
            return new Refusal(Errors.CLUSTER_AUTHORIZATION_FAILED, Errors.CLUSTER_AUTHORIZATION_FAILED.message());
        }
        if (type == ConfigResource.Type.GROUP && !acls.allowed(context, Operation.ALTER_CONFIGS, ResourceType.GROUP, name)) {
            return new Refusal(Errors.GROUP_AUTHORIZATION_FAILED, Errors.GROUP_AUTHORIZATION_FAILED.message());
        }
        return null;
    }

    /** The broker's configs cannot change: INVALID_CONFIG for this broker, INVALID_REQUEST for another. */
    static Refusal brokerConfigsFixed(LocalNode node, String name) {
        return new Refusal(name.isEmpty() || name.equals(Integer.toString(node.nodeId())) ? Errors.INVALID_CONFIG
                : Errors.INVALID_REQUEST, "Ferry's broker configs are set when it starts and cannot be changed at runtime");
    }
}
