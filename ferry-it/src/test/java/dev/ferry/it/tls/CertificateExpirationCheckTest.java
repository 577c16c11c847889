package dev.ferry.it.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management API's TLS health checks on a broker whose certificate and authority end in two
 * days: the certificate-expiration check passes for a one-day window and fails, naming each TLS
 * listener and when its files' certificates end, for longer ones; the AMQPS listener is found by
 * port and by RabbitMQ's protocol names. Ferry's own broker: the shared RabbitMQ node has no
 * certificate of ours.
 */
class CertificateExpirationCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path directory;
    static TestCertificates authority;
    static TestCertificates.Issued server;
    static BrokerProcess broker;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void startBroker() throws IOException {
        authority = TestCertificates.authority(directory.resolve("ca"), "Ferry test CA");
        server = authority.server("server");
        broker = BrokerProcess.start(directory.resolve("data"), "--tls-cert", server.certificate().toString(),
                "--tls-key", server.key().toString(), "--tls-ca", authority.caCertificate.toString(),
                "--amqps-port", "0", "--kafka-ssl-port", "-1", "--https-port", "-1");
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        String credentials = Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broker.httpPort() + "/api/" + path))
                .header("Authorization", "Basic " + credentials).timeout(Duration.ofSeconds(15)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldPassWhileNoCertificateEndsInTheWindow() throws Exception {
        HttpResponse<String> answer = get("health/checks/certificate-expiration/1/days");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(JSON.readTree(answer.body()).path("status").asText()).isEqualTo("ok");
    }

    @Test
    void shouldFailNamingEachTlsListenerAndWhenItsCertificatesEnd() throws Exception {
        Instant before = Instant.now();
        HttpResponse<String> answer = get("health/checks/certificate-expiration/3/days");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
        JsonNode failed = JSON.readTree(answer.body());
        assertThat(failed.path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("reason").asText()).isEqualTo("Certificates expiring");
        assertThat(failed.path("expired").size()).as("one entry per address the AMQPS port is bound to").isPositive();
        for (JsonNode listener : failed.path("expired")) {
            assertThat(listener.path("protocol").asText()).isEqualTo("amqp/ssl");
            assertThat(listener.path("port").asInt()).isEqualTo(broker.amqpsPort());
            assertThat(listener.path("node").asText()).startsWith("ferry@");
            assertThat(listener.path("interface").asText()).isNotEmpty();
            assertThat(listener.path("certfile").asText()).isEqualTo(server.certificate().toAbsolutePath().toString());
            assertThat(listener.path("cacertfile").asText()).isEqualTo(authority.caCertificate.toAbsolutePath().toString());
            for (String field : new String[] {"certfile_expires_on", "cacertfile_expires_on"}) {
                assertThat(listener.path(field).size()).as(field).isEqualTo(1);
                Instant end = LocalDateTime.parse(listener.path(field).get(0).asText(),
                        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")).toInstant(ZoneOffset.UTC);
                assertThat(end).as("issued for two days").isBetween(before.plus(Duration.ofDays(1)),
                        before.plus(Duration.ofDays(3)));
            }
        }
        assertThat(get("health/checks/certificate-expiration/1/weeks").statusCode()).isEqualTo(503);
    }

    @Test
    void shouldFindTheAmqpsListenerByPortAndByRabbitMqsNames() throws Exception {
        assertThat(get("health/checks/port-listener/" + broker.amqpsPort()).statusCode()).isEqualTo(200);
        List<String> found = new ArrayList<>();
        for (String name : new String[] {"amqps", "amqp%2Fssl", "AMQPS"}) {
            HttpResponse<String> answer = get("health/checks/protocol-listener/" + name);
            assertThat(answer.statusCode()).as(name + ": " + answer.body()).isEqualTo(200);
            found.add(JSON.readTree(answer.body()).path("protocol").asText());
        }
        assertThat(found).containsOnly("amqp/ssl");
        assertThat(get("health/checks/protocol-listener/https").statusCode()).as("no HTTPS port here").isEqualTo(503);
    }
}
