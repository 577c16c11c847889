package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfigCollection;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What DescribeConfigs and IncrementalAlterConfigs answer to requests Admin would not send, as raw
 * requests: names no topic may have, other brokers' ids, unknown resource types, keys given twice,
 * resources given twice, an empty list of keys. Every expected answer was first seen from Kafka
 * 4.3.1 ({@code -Dferry.it.kafka=HOST:PORT}); where Ferry answers otherwise on purpose (the broker's
 * own configs, fixed at start; client metrics resources) nothing is asserted here.
 */
class ConfigRefusalsTest extends RawRequestTestBase {
    private static final byte TOPIC = 2;
    private static final byte BROKER = 4;
    private static final byte GROUP = 32;
    private static final byte DYNAMIC_DEFAULT_BROKER_CONFIG = 3;
    private static final byte SET = 0;
    private static final byte DELETE = 1;

    private int node;

    @BeforeEach
    void findTheBroker() throws Exception {
        node = raw.exchange(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(List.of()),
                new MetadataResponseData()).brokers().iterator().next().nodeId();
    }

    @Test
    void shouldDescribeAndRefuseAsKafkaDoes() throws Exception {
        assertDescribeRefused(TOPIC, unique("config-refusals-none"), Errors.UNKNOWN_TOPIC_OR_PARTITION, "");
        assertDescribeRefused(TOPIC, "__consumer_offsets", Errors.UNKNOWN_TOPIC_OR_PARTITION, "");
        assertDescribeRefused(TOPIC, "bad/name", Errors.INVALID_TOPIC_EXCEPTION, "Topic name is invalid: 'bad/name'"
                + " contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'");
        assertDescribeRefused(BROKER, "99", Errors.INVALID_REQUEST,
                "Unexpected broker id, expected " + node + " or empty string, but received 99");
        assertDescribeRefused(BROKER, "abc", Errors.INVALID_REQUEST, "Broker id must be an integer, but it is: abc");
        assertDescribeRefused((byte) 99, "x", Errors.INVALID_REQUEST, Errors.INVALID_REQUEST.message());

        // An empty list of keys asks for every config, as no list does (Ferry answered none).
        assertThat(describe(TOPIC, topic, List.of()).configs()).extracting(config -> config.name())
                .contains("retention.ms", "cleanup.policy");
        assertThat(describe(BROKER, Integer.toString(node), List.of()).configs()).extracting(config -> config.name())
                .contains("num.partitions");
        assertThat(describe(GROUP, key, List.of()).configs()).extracting(config -> config.name())
                .contains("consumer.session.timeout.ms");
        // The empty broker name is the cluster-wide defaults set at runtime, not this broker's configs.
        DescribeConfigsResult defaults = describe(BROKER, "", null);
        assertThat(defaults.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(defaults.configs()).allSatisfy(config ->
                assertThat(config.configSource()).isEqualTo(DYNAMIC_DEFAULT_BROKER_CONFIG));
    }

    @Test
    void shouldRefuseChangesAsKafkaDoes() throws Exception {
        assertAltered(Errors.INVALID_REQUEST, "Each resource must appear at most once.",
                resource(TOPIC, topic, config("retention.ms", SET, "1000")),
                resource(TOPIC, topic, config("retention.bytes", SET, "1000")));
        // Keys given twice and missing values come first, whatever the resource.
        String missing = unique("config-refusals-none");
        assertAltered(Errors.INVALID_REQUEST, "Error due to duplicate config keys",
                resource(TOPIC, missing, config("a", SET, "5"), config("a", DELETE, null)));
        assertAltered(Errors.INVALID_REQUEST, "Error due to duplicate config keys",
                resource(TOPIC, topic, config("no.such.key", SET, "5"), config("no.such.key", DELETE, null)));
        assertAltered(Errors.INVALID_REQUEST, "Error due to duplicate config keys",
                resource(BROKER, "99", config("a", SET, "2"), config("a", DELETE, null)));
        assertAltered(Errors.INVALID_REQUEST, "Null value not supported for : retention.ms",
                resource(TOPIC, topic, config("retention.ms", SET, null)));

        assertAltered(Errors.INVALID_TOPIC_EXCEPTION, "Topic name is invalid: 'bad/name' contains one or more characters"
                + " other than ASCII alphanumerics, '.', '_' and '-'", resource(TOPIC, "bad/name", config("retention.ms", SET, "1")));
        assertAltered(Errors.INVALID_REQUEST, "Unknown resource type 99", resource((byte) 99, "x", config("a", SET, "1")));
        assertAltered(Errors.INVALID_REQUEST, "Unexpected broker id, expected " + node + ", but received 99",
                resource(BROKER, "99", config("log.cleaner.threads", SET, "2")));
        assertAltered(Errors.INVALID_REQUEST, "Node id must be an integer, but it is: abc",
                resource(BROKER, "abc", config("log.cleaner.threads", SET, "2")));

        // Deleting a name no topic config has changes nothing and is no error.
        assertAltered(Errors.NONE, null, resource(TOPIC, topic, config("retention.ms", SET, "4321")));
        assertAltered(Errors.NONE, null, resource(TOPIC, topic, config("no.such.key", DELETE, null)));
        assertThat(describe(TOPIC, topic, List.of("retention.ms")).configs())
                .singleElement().satisfies(config -> assertThat(config.value()).isEqualTo("4321"));
        assertAltered(Errors.INVALID_CONFIG, "Unknown topic config name: no.such.key",
                resource(TOPIC, topic, config("no.such.key", SET, "1")));
    }

    @Test
    void shouldRefuseANameNoTopicMayHaveInTheOlderAlterConfigs() throws Exception {
        AlterConfigsResponseData response = raw.exchange(ApiKeys.ALTER_CONFIGS, (short) 2, new AlterConfigsRequestData()
                .setResources(new AlterConfigsRequestData.AlterConfigsResourceCollection(List.of(
                        new AlterConfigsRequestData.AlterConfigsResource().setResourceType(TOPIC).setResourceName("bad/name")
                                .setConfigs(new AlterConfigsRequestData.AlterableConfigCollection(List.of(
                                        new AlterConfigsRequestData.AlterableConfig().setName("retention.ms")
                                                .setValue("1000")).iterator()))).iterator())),
                new AlterConfigsResponseData());
        assertThat(response.responses()).singleElement().satisfies(result -> {
            assertThat(Errors.forCode(result.errorCode())).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
            assertThat(result.errorMessage()).isEqualTo("Topic name is invalid: 'bad/name' contains one or more characters"
                    + " other than ASCII alphanumerics, '.', '_' and '-'");
        });
    }

    private DescribeConfigsResult describe(byte type, String name, List<String> keys) throws Exception {
        DescribeConfigsResponseData response = raw.exchange(ApiKeys.DESCRIBE_CONFIGS, (short) 4,
                new DescribeConfigsRequestData().setResources(List.of(new DescribeConfigsResource()
                        .setResourceType(type).setResourceName(name).setConfigurationKeys(keys))),
                new DescribeConfigsResponseData());
        return response.results().get(0);
    }

    private void assertDescribeRefused(byte type, String name, Errors error, String message) throws Exception {
        DescribeConfigsResult result = describe(type, name, null);
        assertThat(Errors.forCode(result.errorCode())).as("%s %s", type, name).isEqualTo(error);
        assertThat(result.errorMessage()).as("%s %s", type, name).isEqualTo(message);
        assertThat(result.configs()).isEmpty();
    }

    private void assertAltered(Errors error, String message, AlterConfigsResource... resources) throws Exception {
        IncrementalAlterConfigsResponseData response = raw.exchange(ApiKeys.INCREMENTAL_ALTER_CONFIGS, (short) 1,
                new IncrementalAlterConfigsRequestData().setResources(
                        new AlterConfigsResourceCollection(List.of(resources).iterator())),
                new IncrementalAlterConfigsResponseData());
        assertThat(response.responses()).hasSize(resources.length);
        for (AlterConfigsResourceResponse result : response.responses()) {
            assertThat(Errors.forCode(result.errorCode())).as(result.resourceName()).isEqualTo(error);
            assertThat(result.errorMessage()).as(result.resourceName()).isEqualTo(message);
        }
    }

    private static AlterConfigsResource resource(byte type, String name, AlterableConfig... configs) {
        return new AlterConfigsResource().setResourceType(type).setResourceName(name)
                .setConfigs(new AlterableConfigCollection(List.of(configs).iterator()));
    }

    private static AlterableConfig config(String name, byte operation, String value) {
        return new AlterableConfig().setName(name).setConfigOperation(operation).setValue(value);
    }
}
