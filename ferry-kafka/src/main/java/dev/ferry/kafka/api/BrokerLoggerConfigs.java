package dev.ferry.kafka.api;

import dev.ferry.kafka.BrokerLoggers;
import dev.ferry.text.LogSafe;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.LogLevelConfig;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's {@code BROKER_LOGGER} config resource (KIP-412) over {@link BrokerLoggers}: DescribeConfigs
 * lists every logger with its effective level (DYNAMIC_BROKER_LOGGER_CONFIG, type UNKNOWN, no
 * synonyms); IncrementalAlterConfigs SETs a level (one of Kafka's six, as spelled) or DELETEs a
 * logger's own level, at once and in memory only. The resource is named by this node's id, and each
 * refusal carries Kafka 4.3.1's error and text (the describe and the alter paths word the id
 * checks differently there, and so they do here).
 */
final class BrokerLoggerConfigs {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerLoggerConfigs.class);

    /** Kafka's {@code ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG}. */
    static final byte DYNAMIC_BROKER_LOGGER_CONFIG = 6;
    private static final byte UNKNOWN_TYPE = 0;

    /** A refusal: the error and the message the resource is answered with. */
    record Refusal(Errors error, String message) {
    }

    private BrokerLoggerConfigs() {
    }

    /** Why DescribeConfigs refuses the resource name {@code name} on node {@code nodeId}; null if it does not. */
    static Refusal describeRefusal(String name, int nodeId) {
        if (name == null || name.isEmpty()) {
            return new Refusal(Errors.INVALID_REQUEST, "Broker id must not be empty");
        }
        Integer id = parse(name);
        if (id == null) {
            return new Refusal(Errors.INVALID_REQUEST, "Broker id must be an integer, but it is: " + name);
        }
        if (id != nodeId) {
            return new Refusal(Errors.INVALID_REQUEST, "Unexpected broker id, expected " + nodeId + " but received "
                    + name);
        }
        return null;
    }

    static List<DescribeConfigsResourceResult> describe(BrokerLoggers loggers, List<String> keys) {
        List<DescribeConfigsResourceResult> entries = new ArrayList<>();
        for (Map.Entry<String, String> logger : new TreeMap<>(loggers.levels()).entrySet()) {
            if (keys != null && !keys.contains(logger.getKey())) {
                continue;
            }
            // Documentation stays at the message's default (""), as Kafka leaves it for loggers.
            entries.add(new DescribeConfigsResourceResult().setName(logger.getKey()).setValue(logger.getValue())
                    .setConfigSource(DYNAMIC_BROKER_LOGGER_CONFIG).setReadOnly(false).setIsSensitive(false)
                    .setConfigType(UNKNOWN_TYPE).setSynonyms(new ArrayList<>()));
        }
        return entries;
    }

    /**
     * Checks every change of an IncrementalAlterConfigs resource and, unless {@code validateOnly},
     * applies them all; nothing is applied when one is refused.
     *
     * @return the refusal, or null when the changes were (or would be) made
     */
    static Refusal alter(BrokerLoggers loggers, int nodeId, String name, Collection<AlterableConfig> changes,
                         boolean validateOnly) {
        Integer id = parse(name);
        if (id == null) {
            return new Refusal(Errors.INVALID_REQUEST, "Node id must be an integer, but it is: " + name);
        }
        if (id != nodeId) {
            return new Refusal(Errors.INVALID_REQUEST, "Unexpected node id. Expected " + nodeId + ", but received "
                    + name);
        }
        for (AlterableConfig change : changes) {
            Refusal refusal = check(loggers, change);
            if (refusal != null) {
                return refusal;
            }
        }
        if (validateOnly) {
            return null;
        }
        for (AlterableConfig change : changes) {
            if (change.configOperation() == AlterConfigOp.OpType.SET.id()) {
                LOG.info("Kafka: the log level of {} set to {}", LogSafe.text(change.name()), change.value());
                loggers.setLevel(change.name(), change.value());
            } else {
                LOG.info("Kafka: the log level of {} unset", LogSafe.text(change.name()));
                loggers.unsetLevel(change.name());
            }
        }
        return null;
    }

    private static Refusal check(BrokerLoggers loggers, AlterableConfig change) {
        AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(change.configOperation());
        if (op == AlterConfigOp.OpType.APPEND || op == AlterConfigOp.OpType.SUBTRACT) {
            return new Refusal(Errors.INVALID_REQUEST, op + " operation is not allowed for the BROKER_LOGGER resource");
        }
        if (op == null) {
            return new Refusal(Errors.INVALID_REQUEST, "Unknown operation type " + change.configOperation()
                    + " is not allowed for the BROKER_LOGGER resource");
        }
        String logger = change.name();
        if (!loggers.exists(logger)) {
            return new Refusal(Errors.INVALID_CONFIG, "Logger " + logger + " does not exist!");
        }
        if (op == AlterConfigOp.OpType.DELETE) {
            return logger.equals(BrokerLoggers.ROOT) ? new Refusal(Errors.INVALID_REQUEST,
                    "Removing the log level of the root logger is not allowed") : null;
        }
        if (!LogLevelConfig.VALID_LOG_LEVELS.contains(change.value())) {
            return new Refusal(Errors.INVALID_CONFIG, "Cannot set the log level of " + logger + " to " + change.value()
                    + " as it is not a supported log level. Valid log levels are "
                    + String.join(", ", new TreeSet<>(LogLevelConfig.VALID_LOG_LEVELS)));
        }
        return null;
    }

    private static Integer parse(String name) {
        try {
            return Integer.valueOf(name);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
