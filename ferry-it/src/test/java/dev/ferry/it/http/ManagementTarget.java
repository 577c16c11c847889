package dev.ferry.it.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.embedded.Ferry;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * The broker the management API tests talk to: a Ferry process of their own (its HTTP port read
 * from "HTTP listening on ..."), a Ferry in the test's JVM ({@link #startEmbedded()}), or, with {@code -Dferry.it.http=http://127.0.0.1:15790} and
 * {@code -Dferry.it.amqp=amqp://guest:guest@127.0.0.1:5790}, a RabbitMQ node with the management
 * plugin ({@code ferry-bench/rabbitmq-node.sh start DIR 5790 15790}), which is how the expectations
 * are checked against RabbitMQ 3.10.
 */
final class ManagementTarget implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    private final BrokerProcess ferry;
    /** The broker this target started in the test's JVM, closed with it; null otherwise. */
    private final Ferry embedded;
    private final String amqpHost;
    private final int amqpPort;
    private final URI api;
    private final HttpClient http = HttpClient.newBuilder()
            // HTTP/1.1 as curl and rabbitmqadmin speak it (RabbitMQ's Cowboy drops a POST that asks for an h2c upgrade).
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private ManagementTarget(BrokerProcess ferry, String amqpHost, int amqpPort, URI api) {
        this(ferry, null, amqpHost, amqpPort, api);
    }

    private ManagementTarget(BrokerProcess ferry, Ferry embedded, String amqpHost, int amqpPort, URI api) {
        this.ferry = ferry;
        this.embedded = embedded;
        this.amqpHost = amqpHost;
        this.amqpPort = amqpPort;
        this.api = api;
    }

    private static ManagementTarget shared;

    /** One target for every test class of this package (a broker per class would dominate their time). */
    static synchronized ManagementTarget shared() {
        if (shared == null) {
            shared = start();
            ManagementTarget started = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "stop-management-target"));
        }
        return shared;
    }

    static ManagementTarget start() {
        String external = System.getProperty("ferry.it.http");
        if (external != null && !external.isBlank()) {
            URI amqp = URI.create(System.getProperty("ferry.it.amqp", "amqp://guest:guest@127.0.0.1:5672"));
            return new ManagementTarget(null, amqp.getHost(), amqp.getPort(), URI.create(external + "/api/"));
        }
        try {
            BrokerProcess broker = BrokerProcess.start(Files.createTempDirectory("ferry-it-http"));
            return new ManagementTarget(broker, "127.0.0.1", broker.amqpPort(),
                    URI.create("http://127.0.0.1:" + broker.httpPort() + "/api/"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * As {@link #start()}, but a Ferry in the test's JVM (ferry-embedded) instead of a process:
     * for tests that start several brokers and read neither their output nor their process.
     */
    static ManagementTarget startEmbedded() {
        String external = System.getProperty("ferry.it.http");
        if (external != null && !external.isBlank()) {
            return start();
        }
        Ferry broker = Ferry.builder().start();
        return new ManagementTarget(null, broker, "127.0.0.1", broker.amqpPort(),
                URI.create("http://127.0.0.1:" + broker.httpPort() + "/api/"));
    }

    /** A target over a Ferry the test started itself (a test that restarts or kills its broker). */
    static ManagementTarget over(BrokerProcess broker) {
        return new ManagementTarget(broker, "127.0.0.1", broker.amqpPort(),
                URI.create("http://127.0.0.1:" + broker.httpPort() + "/api/"));
    }

    boolean isFerry() {
        return ferry != null || embedded != null;
    }

    void assumeFerryBehaviour(String why) {
        Assumptions.assumeTrue(isFerry(), "RabbitMQ differs on purpose: " + why);
    }

    /** The broker process; fails for a target that is not one. */
    BrokerProcess ferry() {
        if (ferry == null) {
            throw new IllegalStateException("this target is not a Ferry process");
        }
        return ferry;
    }

    int httpPort() {
        return api.getPort();
    }

    int amqpPort() {
        return amqpPort;
    }

    Connection connect(String clientName) throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(amqpHost);
        factory.setPort(amqpPort);
        factory.setAutomaticRecoveryEnabled(false);
        return factory.newConnection(clientName);
    }

    /** An AMQP connection as {@code user} to {@code virtualHost}. */
    Connection connect(String clientName, String user, String password, String virtualHost)
            throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(amqpHost);
        factory.setPort(amqpPort);
        factory.setUsername(user);
        factory.setPassword(password);
        factory.setVirtualHost(virtualHost);
        factory.setAutomaticRecoveryEnabled(false);
        return factory.newConnection(clientName);
    }

    /** A path segment as the API wants it: "/" is %2F. */
    static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    HttpResponse<String> sendAs(String user, String password, String method, String path, String body,
                                String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        boolean ownType = false;
        for (int i = 0; i + 1 < headers.length; i += 2) {
            ownType |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (body != null && !ownType) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) {
        return sendAs("guest", "guest", method, path, body, headers);
    }

    /**
     * Creates the user {@code name} as guest, with {@code tags} (comma-separated, "" for none) and the
     * password {@link #passwordOf} gives, so that a test can act as it through {@link #sendAsUser}
     * without carrying the password around. Fails unless the user is new (201): a test that reused
     * an existing user would inherit its tags and permissions.
     */
    void putUser(String name, String tags) {
        HttpResponse<String> created = send("PUT", "users/" + segment(name),
                "{\"password\":\"" + passwordOf(name) + "\",\"tags\":\"" + tags + "\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    /** The password {@link #putUser} gives {@code user}. */
    static String passwordOf(String user) {
        return "pw-" + user;
    }

    /** A request as a user made by {@link #putUser}. */
    HttpResponse<String> sendAsUser(String user, String method, String path, String body) {
        return sendAs(user, passwordOf(user), method, path, body);
    }

    /**
     * Checks an error answer as RabbitMQ writes one: the status, then {@code {"error":..,"reason":..}}.
     * The body is the status's description, so that a wrong status shows what the broker said.
     */
    static void assertError(HttpResponse<String> response, int status, String error, String reason) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode document = parse(response.body());
        assertThat(document.path("error").asText()).isEqualTo(error);
        assertThat(document.path("reason").asText()).isEqualTo(reason);
    }

    /** GET as guest, expecting 200, parsed. */
    JsonNode get(String path) {
        HttpResponse<String> response = send("GET", path, null);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return parse(response.body());
    }

    static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    @Override
    public void close() {
        if (ferry != null) {
            ferry.close();
        }
        if (embedded != null) {
            embedded.close();
        }
    }
}
