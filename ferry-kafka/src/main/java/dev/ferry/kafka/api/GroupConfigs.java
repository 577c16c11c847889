package dev.ferry.kafka.api;

import dev.ferry.group.DynamicGroupConfig;
import dev.ferry.group.DynamicGroupConfig.Definition;
import dev.ferry.group.GroupConfigDefaults;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;

/**
 * A group's configs as DescribeConfigs reports them, as Kafka 4.3.1 does: every config of
 * {@link DynamicGroupConfig}, the group's override as DYNAMIC_GROUP_CONFIG, else the default as
 * DEFAULT_CONFIG, or as STATIC_BROKER_CONFIG the broker's value when it was started with one; none
 * read-only or sensitive. The synonyms are the override (if any), the broker's value (if it was
 * started with one) and the built-in default, under the name of the broker config they come from
 * ({@code group.consumer.session.timeout.ms}), or under the config's own name when no broker config
 * sets it.
 */
final class GroupConfigs {
    /** Kafka's {@code ConfigSource.DYNAMIC_GROUP_CONFIG}. */
    static final byte DYNAMIC_GROUP_CONFIG = 8;

    private GroupConfigs() {
    }

    /**
     * @param keys the names asked for; null for all
     * @param documentation whether to send each config's documentation (else null)
     * @param typed whether the request version carries config types (v3+)
     */
    static List<DescribeConfigsResourceResult> describe(Map<String, String> overrides, GroupConfigDefaults defaults,
                                                        List<String> keys, boolean synonyms, boolean documentation,
                                                        boolean typed) {
        List<DescribeConfigsResourceResult> entries = new ArrayList<>();
        for (Definition definition : DynamicGroupConfig.definitions()) {
            String name = definition.name();
            if (keys != null && !keys.contains(name)) {
                continue;
            }
            String override = overrides.get(name);
            String brokerName = definition.brokerSynonym() != null ? definition.brokerSynonym() : name;
            boolean setOnBroker = definition.brokerSynonym() != null && defaults.isSet(brokerName);
            String value = override != null ? override : defaults.defaultValue(definition);
            byte source = override != null ? DYNAMIC_GROUP_CONFIG
                    : setOnBroker ? BrokerConfigs.STATIC_BROKER_CONFIG : BrokerConfigs.DEFAULT_CONFIG;
            DescribeConfigsResourceResult entry = new DescribeConfigsResourceResult().setName(name).setValue(value)
                    .setReadOnly(false).setIsSensitive(false).setConfigSource(source).setSynonyms(new ArrayList<>());
            if (typed) {
                entry.setConfigType(type(definition)).setDocumentation(documentation ? definition.documentation() : null);
            }
            if (synonyms) {
                if (override != null) {
                    entry.synonyms().add(synonym(name, override, DYNAMIC_GROUP_CONFIG));
                }
                if (setOnBroker) {
                    entry.synonyms().add(synonym(brokerName, defaults.defaultValue(definition),
                            BrokerConfigs.STATIC_BROKER_CONFIG));
                }
                entry.synonyms().add(synonym(brokerName, definition.defaultValue(), BrokerConfigs.DEFAULT_CONFIG));
            }
            entries.add(entry);
        }
        return entries;
    }

    private static DescribeConfigsSynonym synonym(String name, String value, byte source) {
        return new DescribeConfigsSynonym().setName(name).setValue(value).setSource(source);
    }

    private static byte type(Definition definition) {
        return switch (definition.type()) {
            case INT -> TopicConfigTypes.INT;
            case BOOLEAN -> TopicConfigTypes.BOOLEAN;
            case STRING -> TopicConfigTypes.STRING;
        };
    }
}
