package dev.ferry.it.http;

import static dev.ferry.it.http.ManagementTarget.segment;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * RabbitMQ 3.10's health checks (200 {@code {"status":"ok"}}, or 503 with {@code "failed"} and a
 * reason), the node by name, and what the management UI asks of a node: {@code /api/auth},
 * {@code /api/extensions}, {@code /api/feature-flags}. The certificate check failing is in
 * {@code dev.ferry.it.tls.CertificateExpirationCheckTest}, which needs a broker with TLS.
 */
class ManagementHealthChecksTest {
    private final ManagementTarget target = ManagementTarget.shared();
    private final String prefix = "hc-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    private static JsonNode answer(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return ManagementTarget.parse(response.body());
    }

    private JsonNode check(String path, int status) {
        return answer(target.send("GET", "health/checks/" + path, null), status);
    }

    private static void assertBadRequest(HttpResponse<String> response, String reason) {
        JsonNode error = answer(response, 400);
        assertThat(error.path("error").asText()).isEqualTo("bad_request");
        assertThat(error.path("reason").asText()).isEqualTo(reason);
    }

    @Test
    void shouldPassTheChecksOfAHealthySingleNode() {
        assertThat(check("virtual-hosts", 200).path("status").asText()).isEqualTo("ok");
        for (String path : new String[] {"node-is-quorum-critical", "node-is-mirror-sync-critical"}) {
            JsonNode ok = check(path, 200);
            assertThat(ok.path("status").asText()).isEqualTo("ok");
            assertThat(ok.path("reason").asText()).isEqualTo("single node cluster");
        }
        assertThat(check("alarms", 200).path("status").asText()).isEqualTo("ok");
        assertThat(answer(target.send("GET", "healthchecks/node", null), 200).path("status").asText()).isEqualTo("ok");
        assertThat(target.send("POST", "health/checks/virtual-hosts", null).statusCode()).isEqualTo(405);
        assertThat(target.send("GET", "health/checks/no-such-check", null).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldFindTheListenersByPortAndByProtocol() {
        JsonNode amqp = check("port-listener/" + target.amqpPort(), 200);
        assertThat(amqp.path("status").asText()).isEqualTo("ok");
        assertThat(amqp.path("port").asInt()).isEqualTo(target.amqpPort());
        assertThat(check("port-listener/" + target.httpPort(), 200).path("port").asInt()).isEqualTo(target.httpPort());

        JsonNode missing = check("port-listener/1", 503);
        assertThat(missing.path("status").asText()).isEqualTo("failed");
        assertThat(missing.path("reason").asText()).isEqualTo("No active listener");
        assertThat(missing.path("missing").asInt()).isEqualTo(1);
        List<Integer> ports = new ArrayList<>();
        missing.path("ports").forEach(port -> ports.add(port.asInt()));
        assertThat(ports).contains(target.amqpPort(), target.httpPort());
        assertBadRequest(target.send("GET", "health/checks/port-listener/5672x", null), "Invalid port");

        for (String spelling : new String[] {"amqp", "AMQP", "amqp091", "amqp0-9-1"}) {
            JsonNode found = check("protocol-listener/" + spelling, 200);
            assertThat(found.path("protocol").asText()).as(spelling).isEqualTo("amqp");
        }
        assertThat(check("protocol-listener/management", 200).path("protocol").asText()).isEqualTo("http");
        JsonNode absent = check("protocol-listener/stomp1.2", 503);
        assertThat(absent.path("reason").asText()).isEqualTo("No active listener");
        assertThat(absent.path("missing").asText()).isEqualTo("stomp");
        List<String> protocols = new ArrayList<>();
        absent.path("protocols").forEach(protocol -> protocols.add(protocol.asText()));
        assertThat(protocols).contains("amqp", "http");
    }

    @Test
    void shouldCheckCertificatesOverTheWindowAsked() {
        // Neither test broker has a certificate ending within a day.
        assertThat(check("certificate-expiration/1/days", 200).path("status").asText()).isEqualTo("ok");
        assertThat(check("certificate-expiration/+1/DAYS", 200).path("status").asText()).isEqualTo("ok");
        assertBadRequest(target.send("GET", "health/checks/certificate-expiration/1.5/weeks", null),
                "Invalid expiration value.");
        assertBadRequest(target.send("GET", "health/checks/certificate-expiration/1/week", null),
                "Time unit not recognised. Supported units: days, weeks, months, years.");
        assertThat(target.send("GET", "health/checks/certificate-expiration/1", null).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldLetAnyManagementUserRunTheChecks() {
        String user = prefix + "manager";
        assertThat(target.send("PUT", "users/" + segment(user), "{\"password\":\"pw\",\"tags\":\"management\"}")
                .statusCode()).isEqualTo(201);
        for (String path : new String[] {"health/checks/virtual-hosts", "health/checks/port-listener/" + target.amqpPort(),
                "health/checks/protocol-listener/amqp", "health/checks/node-is-quorum-critical",
                "health/checks/certificate-expiration/1/days", "healthchecks/node", "extensions"}) {
            assertThat(target.sendAs(user, "pw", "GET", path, null).statusCode()).as(path).isEqualTo(200);
        }
        HttpResponse<String> flags = target.sendAs(user, "pw", "GET", "feature-flags", null);
        assertThat(flags.statusCode()).isEqualTo(401);
        assertThat(ManagementTarget.parse(flags.body()).path("reason").asText()).isEqualTo("Not administrator user");
        target.send("DELETE", "users/" + segment(user), null);
    }

    @Test
    void shouldAnswerForTheNodeByItsName() {
        String node = target.get("nodes").get(0).path("name").asText();
        assertThat(target.get("nodes/" + segment(node)).path("name").asText()).isEqualTo(node);
        assertThat(answer(target.send("GET", "healthchecks/node/" + segment(node), null), 200).path("status").asText())
                .isEqualTo("ok");
        assertThat(target.send("GET", "healthchecks/node/" + segment("other@" + prefix), null).statusCode()).isEqualTo(404);
        assertThat(target.send("GET", "nodes/" + segment(node) + "/more", null).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldTellTheLoginPageHowToLogInWithoutCredentials() {
        JsonNode auth = answer(target.sendAs(null, null, "GET", "auth", null), 200);
        assertThat(auth.path("enable_uaa").asBoolean(true)).isFalse();
        assertThat(auth.path("uaa_client_id").asText()).isEmpty();
        assertThat(auth.path("uaa_location").asText()).isEmpty();
        assertThat(target.sendAs("guest", "wrong", "GET", "auth", null).statusCode()).isEqualTo(200);
        assertThat(target.send("PUT", "auth", "{}").statusCode()).isEqualTo(405);
    }

    @Test
    void shouldListNoExtensionsAndNoFeatureFlags() {
        target.assumeFerryBehaviour("RabbitMQ 3.10 lists its UI dispatcher extension and nine feature flags; Ferry has "
                + "neither");
        assertThat(target.get("extensions")).isEmpty();
        assertThat(target.get("feature-flags")).isEmpty();
    }
}
