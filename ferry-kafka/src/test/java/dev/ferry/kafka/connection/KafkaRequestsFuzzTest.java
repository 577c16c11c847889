package dev.ferry.kafka.connection;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.group.GroupConfig;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.BrokerApis;
import dev.ferry.kafka.KafkaConfig;
import dev.ferry.kafka.KafkaServer;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.ApiHandlers;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Coverage-guided fuzzing of the Kafka listener with every handler behind it: requests whose
 * header is right (a served API key and version, so that the input reaches the body decoders and
 * the handlers) and whose body is the fuzzer's, sent over a real socket to a {@link KafkaServer}
 * on loopback with real topics on disk. Whatever the bodies, the broker must answer each request
 * in order or close that connection with a refusal; it must never fail internally (an ERROR from
 * the Kafka front or the core, or a pipeline exception), and a new connection must be answered
 * afterwards.
 *
 * <p>An input is a series of {@code [api][version][length: 2 bytes][body]}: {@code api} is a served
 * API's key (or picks one of them), {@code version} one of its served versions. Inputs that ask to
 * create more than {@link #PARTITIONS_PER_INPUT} partitions are skipped: such requests are valid,
 * and their cost is the disk's, not a decoder's (the registry's own limit has tests of its own).
 *
 * <p>{@code mvn test} runs the committed inputs in {@code KafkaRequestsFuzzTestInputs} (a valid
 * request of every served API at its oldest and newest version); {@code mvn verify} fuzzes for
 * {@code maxDuration}.
 */
public class KafkaRequestsFuzzTest {
    private static final int PARTITIONS_PER_INPUT = 16;
    private static final int TOPICS_KEPT = 20;
    private static final long ANSWER_WAIT_MS = 2_000;

    private static Broker broker;

    // Jazzer turns @Timeout into libFuzzer's per-input limit, so a hang fails; JUnit applies it to
    // the whole fuzzing run as well, hence the margin.
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    @FuzzTest(maxDuration = "30s")
    void shouldAnswerOrRefuseEveryRequestWithoutFailingInternally(byte[] input) throws Exception {
        fuzzerTestOneInput(input);
    }

    /** The target for Jazzer's own command line (long runs), the same as the test above. */
    public static void fuzzerTestOneInput(byte[] input) throws Exception {
        // Jazzer's SSRF detector flags every connection made while an input runs; ours go to the
        // broker under test on loopback, whatever the input.
        int brokerPort = broker().port;
        try (SilentCloseable loopbackOnly = BugDetectors.allowNetworkConnections(
                (host, port) -> port == brokerPort && ("127.0.0.1".equals(host) || "localhost".equals(host)))) {
            exchangeAndCheck(input);
        }
    }

    private static void exchangeAndCheck(byte[] input) throws Exception {
        Broker broker = broker();
        List<Request> requests = broker.requests(input);
        if (requests.isEmpty() || asksForManyPartitions(requests)) {
            return;
        }
        broker.failures.clear();
        List<Integer> answered = exchange(broker.port, requests);
        List<Integer> expected = new ArrayList<>();
        for (Request request : requests) {
            if (!request.unanswered()) {
                expected.add(request.correlationId);
            }
        }
        // Answers come in request order; a refusal ends the connection, so a prefix is enough.
        assertThat(answered.size()).as("answers").isLessThanOrEqualTo(expected.size());
        assertThat(answered).as("answers in request order").isEqualTo(expected.subList(0, answered.size()));
        assertThat(answeredAfterwards(broker.port)).as("a new connection is answered").isTrue();
        assertThat(broker.failures).as("internal failures").isEmpty();
        broker.tidy();
    }

    private static synchronized Broker broker() throws Exception {
        if (broker == null) {
            broker = new Broker();
        }
        return broker;
    }

    private static boolean asksForManyPartitions(List<Request> requests) {
        int partitions = 0;
        for (Request request : requests) {
            if (request.body instanceof CreateTopicsRequestData create) {
                for (CreateTopicsRequestData.CreatableTopic topic : create.topics()) {
                    partitions += Math.max(topic.numPartitions(), topic.assignments().size());
                    partitions += topic.numPartitions() < 0 ? 1 : 0;
                }
            } else if (request.body instanceof CreatePartitionsRequestData more) {
                for (CreatePartitionsRequestData.CreatePartitionsTopic topic : more.topics()) {
                    partitions += Math.max(0, topic.count());
                }
            }
        }
        return partitions > PARTITIONS_PER_INPUT;
    }

    /** Sends every request on one connection and returns the correlation ids of the answers read. */
    private static List<Integer> exchange(int port, List<Request> requests) throws IOException {
        List<Integer> answered = new ArrayList<>();
        int wanted = (int) requests.stream().filter(request -> !request.unanswered()).count();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout((int) ANSWER_WAIT_MS);
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (Request request : requests) {
                stream.write(request.frame);
            }
            try {
                // Not half-closed afterwards: like Kafka, the broker takes end of input for the client's close.
                socket.getOutputStream().write(stream.toByteArray());
            } catch (IOException refusedMidway) {
                // The broker closed the connection while we were still sending: a refusal.
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_WAIT_MS);
            var in = new java.io.DataInputStream(socket.getInputStream());
            while (answered.size() < wanted && System.nanoTime() < deadline) {
                int size;
                try {
                    size = in.readInt();
                } catch (java.io.EOFException | SocketTimeoutException | java.net.SocketException closed) {
                    break; // refused (closed), or a long poll still waiting: both allowed
                }
                assertThat(size).as("answer size").isBetween(4, 64 << 20);
                byte[] answer = new byte[size];
                in.readFully(answer);
                answered.add(ByteBuffer.wrap(answer).getInt());
            }
        }
        return answered;
    }

    /** Whether an ApiVersions request on a new connection gets its answer. */
    private static boolean answeredAfterwards(int port) throws IOException {
        Request probe = Request.of(ApiKeys.API_VERSIONS, (short) 3, 7,
                bodyOf(ApiKeys.API_VERSIONS.messageType.newRequest(), (short) 3));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(probe.frame);
            var in = new java.io.DataInputStream(socket.getInputStream());
            int size = in.readInt();
            byte[] answer = new byte[size];
            in.readFully(answer);
            return ByteBuffer.wrap(answer).getInt() == 7;
        }
    }

    /**
     * Writes the committed inputs: per served API, its request with every field at its default, at
     * the oldest and the newest served version. {@code args[0]}: the inputs directory.
     */
    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        Files.createDirectories(directory);
        for (ApiHandler handler : broker().served) {
            for (short version : new short[] {handler.oldestVersion(), handler.latestVersion()}) {
                byte[] body;
                try {
                    body = bodyOf(handler.apiKey().messageType.newRequest(), version);
                } catch (RuntimeException notWithDefaults) {
                    continue; // a field this version needs has no default; the fuzzer finds its way there
                }
                ByteBuffer input = ByteBuffer.allocate(4 + body.length);
                input.put((byte) handler.apiKey().id).put((byte) (version - handler.oldestVersion()))
                        .putShort((short) body.length).put(body);
                Files.write(directory.resolve(handler.apiKey().name.toLowerCase() + "-v" + version), input.array());
            }
        }
        System.exit(0);
    }

    static byte[] bodyOf(ApiMessage message, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buffer = ByteBuffer.allocate(message.size(cache, version));
        message.write(new ByteBufferAccessor(buffer), cache, version);
        return buffer.array();
    }

    /** One request as sent: its frame, and its body as the broker will decode it (null if it does not). */
    record Request(ApiKeys apiKey, short version, int correlationId, ApiMessage body, byte[] frame) {
        static Request of(ApiKeys apiKey, short version, int correlationId, byte[] body) {
            RequestHeaderData header = new RequestHeaderData().setRequestApiKey(apiKey.id).setRequestApiVersion(version)
                    .setCorrelationId(correlationId).setClientId("fuzz");
            short headerVersion = apiKey.requestHeaderVersion(version);
            ObjectSerializationCache cache = new ObjectSerializationCache();
            int headerSize = header.size(cache, headerVersion);
            ByteBuffer frame = ByteBuffer.allocate(4 + headerSize + body.length);
            frame.putInt(headerSize + body.length);
            header.write(new ByteBufferAccessor(frame), cache, headerVersion);
            frame.put(body);
            ApiMessage decoded = apiKey.messageType.newRequest();
            try {
                decoded.read(new ByteBufferAccessor(ByteBuffer.wrap(body)), version);
            } catch (RuntimeException undecodable) {
                decoded = null;
            }
            return new Request(apiKey, version, correlationId, decoded, frame.array());
        }

        /** acks=0 produce gets no answer; neither does a request the broker cannot decode (it closes). */
        boolean unanswered() {
            return body instanceof ProduceRequestData produce && produce.acks() == 0;
        }
    }

    /** A Kafka listener over real topics in a temporary directory, for the JVM's lifetime. */
    static final class Broker {
        final List<String> failures = new CopyOnWriteArrayList<>();
        final List<ApiHandler> served;
        final ApiHandlers handlers;
        final TopicRegistry topics;
        final int port;

        Broker() throws Exception {
            Path dataDir = Files.createTempDirectory("kafka-fuzz");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dataDir)));
            topics = TopicRegistry.open(dataDir);
            LocalNode node = new LocalNode(topics.identity().nodeId(), topics.identity().clusterId(), "127.0.0.1");
            GroupCoordinator groups = GroupCoordinator.inMemory(GroupConfig.defaults().withInitialRebalanceDelayMs(0),
                    System::currentTimeMillis);
            handlers = BrokerApis.create(node, topics, groups, dataDir);
            served = new ArrayList<>(handlers.all());
            watchForFailures();
            KafkaServer server = new KafkaServer(new KafkaConfig().port(0).ioThreads(1).node(node).handlers(handlers));
            port = server.start();
            topics.create("t", 2, Map.of()).get(30, TimeUnit.SECONDS);
        }

        /** An ERROR from Ferry's code, or a connection that failed on something other than I/O. */
        private void watchForFailures() {
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            root.setLevel(Level.WARN);
            AppenderBase<ILoggingEvent> watcher = new AppenderBase<>() {
                @Override
                protected void append(ILoggingEvent event) {
                    String message = event.getFormattedMessage();
                    boolean failed = event.getLevel() == Level.ERROR
                            || (message.startsWith("Kafka connection") && message.contains(" failed: "))
                            || message.contains("reached at the tail of the pipeline");
                    if (failed) {
                        failures.add(event.getLoggerName() + ": " + message
                                + (event.getThrowableProxy() == null ? "" : " / " + event.getThrowableProxy().getClassName()
                                + ": " + event.getThrowableProxy().getMessage()));
                    }
                }
            };
            watcher.setContext(root.getLoggerContext());
            watcher.start();
            root.addAppender(watcher);
        }

        List<Request> requests(byte[] input) {
            List<Request> requests = new ArrayList<>();
            int at = 0;
            while (at + 4 <= input.length) {
                // The byte is the API key when that key is served (so the committed inputs keep their
                // meaning when handlers are added), else it picks one of the served.
                ApiHandler handler = handlers.forId((short) (input[at] & 0xFF));
                if (handler == null) {
                    handler = served.get((input[at] & 0xFF) % served.size());
                }
                int versions = handler.latestVersion() - handler.oldestVersion() + 1;
                short version = (short) (handler.oldestVersion() + (input[at + 1] & 0xFF) % versions);
                int length = Math.min(((input[at + 2] & 0xFF) << 8) | (input[at + 3] & 0xFF), input.length - at - 4);
                byte[] body = java.util.Arrays.copyOfRange(input, at + 4, at + 4 + length);
                requests.add(Request.of(handler.apiKey(), version, requests.size() + 1, body));
                at += 4 + length;
            }
            return requests;
        }

        private static void deleteTree(Path root) {
            try (var paths = Files.walk(root)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException ignored) {
                // a temporary directory: the system cleans it up in the end
            }
        }

        /** Keeps the topic count bounded and "t" present, so that later inputs find something to act on. */
        void tidy() throws Exception {
            List<Topic> all = new ArrayList<>(topics.topics());
            if (all.size() > TOPICS_KEPT) {
                for (Topic topic : all) {
                    if (!topic.name().equals("t")) {
                        topics.delete(topic.name()).get(30, TimeUnit.SECONDS);
                    }
                }
            }
            if (topics.topic("t").isEmpty()) {
                topics.create("t", 2, Map.of()).get(30, TimeUnit.SECONDS);
            }
        }
    }
}
