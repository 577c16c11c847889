package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.BrokerProcess;
import dev.ferry.it.support.RawKafkaClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bytes no Kafka client sends, over a raw socket: each ends only its own connection (or gets the
 * error code Kafka assigns), with a line in the broker's log, and another client keeps working.
 */
class KafkaMalformedInputTest {
    // A broker process of its own: the checks read its log and that it is still alive.
    private static BrokerProcess broker;

    @BeforeAll
    static void startBroker() throws IOException {
        broker = BrokerProcess.start(Files.createTempDirectory("ferry-kafka-malformed").resolve("data"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.terminate();
        }
    }

    private static Admin admin() {
        return Admin.create(KafkaTestBase.clientProperties("127.0.0.1:" + broker.kafkaPort(), Map.of()));
    }

    @AfterEach
    void brokerStillServesOthers() throws Exception {
        assertThat(broker.isAlive()).isTrue();
        try (Admin admin = admin()) {
            assertThat(admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS)).isNotEmpty();
        }
    }

    @Test
    void shouldCloseTheConnectionOnAnOversizedSizePrefixWithoutReadingIt() throws Exception {
        try (RawKafkaClient raw = raw()) {
            raw.writeRaw(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 3, 0, 12});

            assertThat(raw.closedByBroker()).isTrue();
        }
        awaitLogLine("a request of 2147483647 bytes (socket.request.max.bytes is 104857600)");
    }

    @Test
    void shouldCloseTheConnectionOnANegativeSizePrefix() throws Exception {
        try (RawKafkaClient raw = raw()) {
            raw.writeRaw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe});

            assertThat(raw.closedByBroker()).isTrue();
        }
        awaitLogLine("a request of 4294967294 bytes");
    }

    @Test
    void shouldCloseTheConnectionOnGarbage() throws Exception {
        try (RawKafkaClient raw = raw()) {
            raw.writeFrame(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes()));

            assertThat(raw.closedByBroker()).isTrue();
        }
        awaitLogLine("is not served by this broker");
    }

    @Test
    void shouldCloseTheConnectionOnAFrameTooShortForAHeader() throws Exception {
        try (RawKafkaClient raw = raw()) {
            raw.writeFrame(ByteBuffer.wrap(new byte[] {0, 18, 0, 3, 0, 0}));

            assertThat(raw.closedByBroker()).isTrue();
        }
        awaitLogLine("a request of 6 bytes, too short for a request header");
    }

    @Test
    void shouldCloseTheConnectionOnARequestWhoseBodyIsCutShort() throws Exception {
        ByteBuffer whole = RawKafkaClient.encode(ApiKeys.METADATA, (short) 12, 7,
                new MetadataRequestData().setTopics(java.util.List.of(
                        new MetadataRequestData.MetadataRequestTopic().setName("some-topic-name"))));
        ByteBuffer truncated = whole.duplicate().limit(whole.limit() - 10);
        try (RawKafkaClient raw = raw()) {
            raw.writeFrame(truncated.slice());

            assertThat(raw.closedByBroker()).isTrue();
        }
        awaitLogLine("Metadata v12 request that does not decode");
    }

    @Test
    void shouldCloseTheConnectionWhenThePeerStopsInTheMiddleOfAFrame() throws Exception {
        try (RawKafkaClient raw = raw()) {
            raw.writeRaw(new byte[] {0, 0, 0, 100, 0, 18, 0, 0});
        }
        // Nothing to answer: the broker only has to let go of the half frame and carry on (checked after each test).
    }

    @Test
    void shouldCloseTheConnectionOnAnUnknownApiKey() throws Exception {
        try (RawKafkaClient raw = raw()) {
            raw.writeFrame(ByteBuffer.wrap(new byte[] {0x27, 0x0f, 0, 0, 0, 0, 0, 9, (byte) 0xff, (byte) 0xff}));

            assertThat(raw.closedByBroker()).isTrue();
        }
        awaitLogLine("API key unknown (9999) is not served by this broker");
    }

    @Test
    void shouldCloseTheConnectionOnAnUnsupportedVersionOfAnotherApi() throws Exception {
        try (RawKafkaClient raw = raw()) {
            raw.writeFrame(ByteBuffer.wrap(new byte[] {0, 3, 0, 99, 0, 0, 0, 9, (byte) 0xff, (byte) 0xff}));

            assertThat(raw.closedByBroker()).isTrue();
        }
        awaitLogLine("Metadata version 99 is not served (versions 0 to 13)");
    }

    @Test
    void shouldAnswerATooNewApiVersionsRequestInVersionZeroWithUnsupportedVersion() throws Exception {
        try (RawKafkaClient raw = raw()) {
            // ApiVersions v99: header v2 (flexible), an empty client id, no tagged fields, then a body we cannot know.
            raw.writeFrame(ByteBuffer.wrap(new byte[] {0, 18, 0, 99, 0, 0, 0, 42, 0, 0, 0, 1, 2, 3}));

            ByteBuffer response = raw.readFrame();
            ByteBufferAccessor reader = new ByteBufferAccessor(response);
            assertThat(new ResponseHeaderData(reader, (short) 0).correlationId()).isEqualTo(42);
            ApiVersionsResponseData body = new ApiVersionsResponseData(reader, (short) 0);
            assertThat(body.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
            assertThat(body.apiKeys()).hasSize(1);
            ApiVersionsResponseData.ApiVersion apiVersions = body.apiKeys().find(ApiKeys.API_VERSIONS.id);
            assertThat(apiVersions.minVersion()).isZero();
            assertThat(apiVersions.maxVersion()).isEqualTo((short) 4);

            // The connection stays usable: the client retries with a version both know.
            raw.writeFrame(RawKafkaClient.encode(ApiKeys.API_VERSIONS, (short) 3, 43, new ApiVersionsRequestData()
                    .setClientSoftwareName("ferry-it").setClientSoftwareVersion("1")));
            ByteBuffer retried = raw.readFrame();
            ByteBufferAccessor retriedReader = new ByteBufferAccessor(retried);
            assertThat(new ResponseHeaderData(retriedReader, (short) 0).correlationId()).isEqualTo(43);
            ApiVersionsResponseData served = new ApiVersionsResponseData(retriedReader, (short) 3);
            assertThat(served.errorCode()).isZero();
            assertThat(served.apiKeys().find(ApiKeys.METADATA.id)).isNotNull();
        }
    }

    @Test
    void shouldAnswerPipelinedRequestsInOrder() throws Exception {
        try (RawKafkaClient raw = raw()) {
            ByteBuffer first = RawKafkaClient.encode(ApiKeys.API_VERSIONS, (short) 0, 1, new ApiVersionsRequestData());
            ByteBuffer second = RawKafkaClient.encode(ApiKeys.METADATA, (short) 12, 2, new MetadataRequestData().setTopics(null));
            ByteBuffer third = RawKafkaClient.encode(ApiKeys.API_VERSIONS, (short) 3, 3, new ApiVersionsRequestData()
                    .setClientSoftwareName("ferry-it").setClientSoftwareVersion("1"));
            ByteBuffer all = ByteBuffer.allocate(12 + first.remaining() + second.remaining() + third.remaining());
            for (ByteBuffer request : new ByteBuffer[] {first, second, third}) {
                all.putInt(request.remaining()).put(request);
            }
            raw.writeRaw(all.array());

            for (int correlationId = 1; correlationId <= 3; correlationId++) {
                ByteBuffer response = raw.readFrame();
                assertThat(response.getInt(0)).isEqualTo(correlationId);
            }
        }
    }

    private static RawKafkaClient raw() throws java.io.IOException {
        return new RawKafkaClient("127.0.0.1", broker.kafkaPort());
    }

    private static void awaitLogLine(String text) {
        Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> broker.output().stream().anyMatch(line -> line.contains(text)));
    }

}
