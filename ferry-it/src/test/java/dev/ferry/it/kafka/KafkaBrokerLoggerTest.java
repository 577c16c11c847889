package dev.ferry.it.kafka;

import static dev.ferry.it.kafka.ConfigChanges.alter;
import static dev.ferry.it.kafka.ConfigChanges.assertRefused;
import static dev.ferry.it.kafka.ConfigChanges.set;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.RawKafkaClient;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The broker's loggers as the BROKER_LOGGER config resource (resource type 8, KIP-412), through the
 * real Admin client and, for the broker-id checks the Admin client makes before sending, raw
 * requests: every logger with its level, a level set and removed at once, and Kafka 4.3.1's
 * refusals. Passes against Ferry and, with {@code -Dferry.it.kafka=HOST:PORT}, against Kafka 4.3.1
 * (whose only loggers by default are {@code root} and its logging controller's). Against Ferry it
 * also checks that the level set is the live Logback level of the broker's JVM (here the test's).
 */
class KafkaBrokerLoggerTest extends KafkaTestBase {
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF", "ALL");

    @Test
    void shouldListEveryLoggerWithItsLevelAndRoot() throws Exception {
        try (Admin admin = admin()) {
            ConfigResource resource = loggers(admin);
            List<ConfigEntry> entries = List.copyOf(describe(admin, resource).entries());
            assertThat(entries).extracting(ConfigEntry::name).contains("root").hasSizeGreaterThan(1);
            for (ConfigEntry entry : entries) {
                assertThat(entry.value()).as(entry.name()).isIn(LEVELS);
                assertThat(entry.source()).as(entry.name()).isEqualTo(ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG);
                assertThat(entry.type()).as(entry.name()).isEqualTo(ConfigType.UNKNOWN);
                assertThat(entry.isReadOnly()).as(entry.name()).isFalse();
                assertThat(entry.isSensitive()).as(entry.name()).isFalse();
                assertThat(entry.synonyms()).as(entry.name()).isEmpty();
            }
        }
    }

    @Test
    void shouldSetALoggersLevelAndRemoveItAgain() throws Exception {
        try (Admin admin = admin()) {
            ConfigResource resource = loggers(admin);
            Map<String, String> levels = levels(admin, resource);
            String root = levels.get("root");
            // A logger that takes the root's level, so removing the level set here gives back what it had.
            String logger = levels.entrySet().stream()
                    .filter(entry -> !entry.getKey().equals("root") && entry.getValue().equals(root))
                    .map(Map.Entry::getKey).findFirst().orElseThrow();
            String other = root.equals("TRACE") ? "DEBUG" : "TRACE";

            admin.incrementalAlterConfigs(Map.of(resource, List.of(set(logger, other))),
                    new AlterConfigsOptions().validateOnly(true)).all().get(30, TimeUnit.SECONDS);
            assertThat(levels(admin, resource).get(logger)).isEqualTo(root);

            alter(admin, resource, set(logger, other));
            assertThat(levels(admin, resource).get(logger)).isEqualTo(other);
            if (broker != null) {
                assertThat(LoggerFactory.getLogger(logger).isTraceEnabled()).isEqualTo(other.equals("TRACE"));
                assertThat(LoggerFactory.getLogger(logger).isDebugEnabled()).isTrue();
            }

            alter(admin, resource, new AlterConfigOp(new ConfigEntry(logger, null), OpType.DELETE));
            assertThat(levels(admin, resource).get(logger)).isEqualTo(root);
        }
    }

    @Test
    void shouldRefuseUnknownLoggersLevelsAndOperationsInKafkasWords() throws Exception {
        try (Admin admin = admin()) {
            ConfigResource resource = loggers(admin);
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "Logger ferry.it.no.such.logger does not exist!", set("ferry.it.no.such.logger", "DEBUG"));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "Logger ferry.it.no.such.logger does not exist!",
                    new AlterConfigOp(new ConfigEntry("ferry.it.no.such.logger", null), OpType.DELETE));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "Cannot set the log level of root to debug as it is not a supported log level. Valid log levels "
                            + "are DEBUG, ERROR, FATAL, INFO, TRACE, WARN", set("root", "debug"));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "Cannot set the log level of root to OFF as it is not a supported log level. Valid log levels "
                            + "are DEBUG, ERROR, FATAL, INFO, TRACE, WARN", set("root", "OFF"));
            assertRefused(admin, resource, InvalidRequestException.class,
                    "Removing the log level of the root logger is not allowed",
                    new AlterConfigOp(new ConfigEntry("root", null), OpType.DELETE));
            assertRefused(admin, resource, InvalidRequestException.class,
                    "APPEND operation is not allowed for the BROKER_LOGGER resource",
                    new AlterConfigOp(new ConfigEntry("root", "INFO"), OpType.APPEND));
            // A refused change leaves the others of the request undone.
            String root = levels(admin, resource).get("root");
            String other = root.equals("WARN") ? "ERROR" : "WARN";
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "Logger ferry.it.no.such.logger does not exist!", set("root", other),
                    set("ferry.it.no.such.logger", "DEBUG"));
            assertThat(levels(admin, resource).get("root")).isEqualTo(root);
        }
    }

    @Test
    void shouldRefuseAnotherBrokersIdWithKafkasWords() throws Exception {
        int nodeId;
        try (Admin admin = admin()) {
            nodeId = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().id();
        }
        try (RawKafkaClient raw = new RawKafkaClient("127.0.0.1", bootstrapPort())) {
            assertThat(describeRefusal(raw, "")).isEqualTo("INVALID_REQUEST: Broker id must not be empty");
            assertThat(describeRefusal(raw, "abc"))
                    .isEqualTo("INVALID_REQUEST: Broker id must be an integer, but it is: abc");
            assertThat(describeRefusal(raw, Integer.toString(nodeId + 76)))
                    .isEqualTo("INVALID_REQUEST: Unexpected broker id, expected " + nodeId + " but received " + (nodeId + 76));
            assertThat(describeRefusal(raw, "0" + nodeId)).isEqualTo("NONE");

            assertThat(alterRefusal(raw, "")).isEqualTo("INVALID_REQUEST: Node id must be an integer, but it is: ");
            assertThat(alterRefusal(raw, "abc")).isEqualTo("INVALID_REQUEST: Node id must be an integer, but it is: abc");
            assertThat(alterRefusal(raw, Integer.toString(nodeId + 76)))
                    .isEqualTo("INVALID_REQUEST: Unexpected node id. Expected " + nodeId + ", but received " + (nodeId + 76));
        }
    }

    private static int correlationId;

    private static String describeRefusal(RawKafkaClient raw, String name) throws Exception {
        DescribeConfigsRequestData request = new DescribeConfigsRequestData();
        request.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
                .setResourceType(ConfigResource.Type.BROKER_LOGGER.id()).setResourceName(name)
                .setConfigurationKeys(List.of("root")));
        DescribeConfigsResponseData.DescribeConfigsResult result = ((DescribeConfigsResponseData) send(raw,
                ApiKeys.DESCRIBE_CONFIGS, (short) 4, request, new DescribeConfigsResponseData())).results().get(0);
        Errors error = Errors.forCode(result.errorCode());
        return error == Errors.NONE ? "NONE" : error + ": " + result.errorMessage();
    }

    private static String alterRefusal(RawKafkaClient raw, String name) throws Exception {
        IncrementalAlterConfigsRequestData request = new IncrementalAlterConfigsRequestData().setValidateOnly(true);
        IncrementalAlterConfigsRequestData.AlterConfigsResource resource =
                new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                        .setResourceType(ConfigResource.Type.BROKER_LOGGER.id()).setResourceName(name);
        resource.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("root").setValue("INFO")
                .setConfigOperation(OpType.SET.id()));
        request.resources().add(resource);
        IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse result =
                ((IncrementalAlterConfigsResponseData) send(raw, ApiKeys.INCREMENTAL_ALTER_CONFIGS, (short) 1, request,
                        new IncrementalAlterConfigsResponseData())).responses().get(0);
        Errors error = Errors.forCode(result.errorCode());
        return error == Errors.NONE ? "NONE" : error + ": " + result.errorMessage();
    }

    private static ApiMessage send(RawKafkaClient raw, ApiKeys key, short version, ApiMessage request,
                                   ApiMessage response) throws Exception {
        int correlation = ++correlationId;
        raw.writeFrame(RawKafkaClient.encode(key, version, correlation, request));
        ByteBuffer frame = raw.readFrame();
        ByteBufferAccessor reader = new ByteBufferAccessor(frame);
        ResponseHeaderData header = new ResponseHeaderData(reader, key.responseHeaderVersion(version));
        assertThat(header.correlationId()).isEqualTo(correlation);
        response.read(reader, version);
        return response;
    }

    /** The resource of the broker's loggers: named by its node id. */
    private static ConfigResource loggers(Admin admin) throws Exception {
        int nodeId = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().id();
        return new ConfigResource(ConfigResource.Type.BROKER_LOGGER, Integer.toString(nodeId));
    }

    private static org.apache.kafka.clients.admin.Config describe(Admin admin, ConfigResource resource)
            throws Exception {
        return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
    }

    private static Map<String, String> levels(Admin admin, ConfigResource resource) throws Exception {
        Map<String, String> levels = new TreeMap<>();
        describe(admin, resource).entries().forEach(entry -> levels.put(entry.name(), entry.value()));
        return levels;
    }
}
