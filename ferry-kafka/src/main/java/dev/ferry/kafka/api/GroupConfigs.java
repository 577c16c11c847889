package dev.ferry.kafka.api;

import dev.ferry.group.DynamicGroupConfig;
import dev.ferry.group.DynamicGroupConfig.Definition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;

/**
 * A group's configs as DescribeConfigs reports them, as Kafka 4.3.1 does: every config of
 * {@link DynamicGroupConfig}, the group's override as DYNAMIC_GROUP_CONFIG, else the default as
 * DEFAULT_CONFIG, none read-only or sensitive. The synonyms are the override (if any) and the
 * default under the name of the broker config it comes from ({@code group.consumer.session.timeout.ms}),
 * or under the config's own name when no broker config sets it.
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
    static List<DescribeConfigsResourceResult> describe(Map<String, String> overrides, List<String> keys,
                                                        boolean synonyms, boolean documentation, boolean typed) {
        List<DescribeConfigsResourceResult> entries = new ArrayList<>();
        for (Definition definition : DynamicGroupConfig.definitions()) {
            String name = definition.name();
            if (keys != null && !keys.contains(name)) {
                continue;
            }
            String override = overrides.get(name);
            String value = override != null ? override : definition.defaultValue();
            DescribeConfigsResourceResult entry = new DescribeConfigsResourceResult().setName(name).setValue(value)
                    .setReadOnly(false).setIsSensitive(false)
                    .setConfigSource(override != null ? DYNAMIC_GROUP_CONFIG : BrokerConfigs.DEFAULT_CONFIG)
                    .setSynonyms(new ArrayList<>());
            if (typed) {
                entry.setConfigType(type(definition)).setDocumentation(documentation ? definition.documentation() : null);
            }
            if (synonyms) {
                if (override != null) {
                    entry.synonyms().add(new DescribeConfigsSynonym().setName(name).setValue(override)
                            .setSource(DYNAMIC_GROUP_CONFIG));
                }
                String brokerName = definition.brokerSynonym() != null ? definition.brokerSynonym() : name;
                entry.synonyms().add(new DescribeConfigsSynonym().setName(brokerName)
                        .setValue(definition.defaultValue()).setSource(BrokerConfigs.DEFAULT_CONFIG));
            }
            entries.add(entry);
        }
        return entries;
    }

    private static byte type(Definition definition) {
        return switch (definition.type()) {
            case INT -> TopicConfigTypes.INT;
            case BOOLEAN -> TopicConfigTypes.BOOLEAN;
            case STRING -> TopicConfigTypes.STRING;
        };
    }
}
