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

    /**
     * A broker resource naming another broker, or no number, in Kafka 4.3.1's words (which differ
     * between describing and altering); null for this broker's id and the empty name (the
     * cluster-wide defaults).
     */
    static Refusal otherBroker(LocalNode node, String name, boolean describing) {
        if (name.isEmpty()) {
            return null;
        }
        int id;
        try {
            id = Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return new Refusal(Errors.INVALID_REQUEST, (describing ? "Broker" : "Node") + " id must be an integer, but it is: "
                    + name);
        }
        if (id == node.nodeId()) {
            return null;
        }
        return new Refusal(Errors.INVALID_REQUEST, "Unexpected broker id, expected " + node.nodeId()
                + (describing ? " or empty string" : "") + ", but received " + name);
    }

    /** The broker's configs cannot change: INVALID_CONFIG for this broker and the cluster defaults. */
    static Refusal brokerConfigsFixed(LocalNode node, String name) {
        Refusal other = otherBroker(node, name, false);
        return other != null ? other
                : new Refusal(Errors.INVALID_CONFIG, "Ferry's broker configs are set when it starts and cannot be changed at runtime");
    }
}
