package dev.ferry.it.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Connection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What the API answers to requests it refuses, with RabbitMQ's status codes and error JSON, and
 * that a malformed request costs only its own connection.
 */
class ManagementErrorsTest {
    private final ManagementTarget target = ManagementTarget.shared();

    @Test
    void shouldAskForCredentialsWithoutAuthorization() {
        HttpResponse<String> response = target.sendAs(null, null, "GET", "overview", null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("www-authenticate")).hasValue("Basic realm=\"RabbitMQ Management\"");
        assertThat(response.body()).isEmpty();
    }

    @Test
    void shouldRefuseAWrongPasswordWithRabbitMqsErrorDocument() {
        HttpResponse<String> response = target.sendAs("guest", "not-the-password", "GET", "overview", null);

        assertThat(response.statusCode()).isEqualTo(401);
        JsonNode error = ManagementTarget.parse(response.body());
        assertThat(error.path("error").asText()).isEqualTo("not_authorized");
        assertThat(error.path("reason").asText()).isEqualTo("Login failed");
    }

    @Test
    void shouldAnswer404ForWhatDoesNotExist() {
        for (String path : new String[] {"queues/%2F/no-such-queue-" + UUID.randomUUID(), "queues/no-such-vhost",
                "exchanges/%2F/no-such-exchange", "no-such-endpoint", "connections/no-such-connection"}) {
            HttpResponse<String> response = target.send("GET", path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            JsonNode error = ManagementTarget.parse(response.body());
            assertThat(error.path("error").asText()).isEqualTo("Object Not Found");
            assertThat(error.path("reason").asText()).isEqualTo("Not Found");
        }
    }

    @Test
    void shouldNameWhatIsMissingWhenBindingToItOrGettingFromIt() {
        String missing = "no-such-" + UUID.randomUUID();
        HttpResponse<String> binding = target.send("POST", "bindings/%2F/e/" + missing + "/q/" + missing,
                "{\"routing_key\":\"k\"}");
        assertThat(binding.statusCode()).isEqualTo(404);
        assertThat(ManagementTarget.parse(binding.body()).path("error").asText()).isEqualTo("not_found");
        assertThat(ManagementTarget.parse(binding.body()).path("reason").asText())
                .isEqualTo("no exchange '" + missing + "' in vhost '/'");
        HttpResponse<String> toQueue = target.send("POST", "bindings/%2F/e/amq.direct/q/" + missing,
                "{\"routing_key\":\"k\"}");
        assertThat(ManagementTarget.parse(toQueue.body()).path("reason").asText())
                .isEqualTo("no queue '" + missing + "' in vhost '/'");

        HttpResponse<String> get = target.send("POST", "queues/%2F/" + missing + "/get",
                "{\"count\":1,\"ackmode\":\"ack_requeue_true\",\"encoding\":\"auto\"}");
        assertThat(get.statusCode()).isEqualTo(404);
        assertThat(ManagementTarget.parse(get.body()).path("error").asText()).isEqualTo("not_found");
        assertThat(ManagementTarget.parse(get.body()).path("reason").asText())
                .isEqualTo("NOT_FOUND - no queue '" + missing + "' in vhost '/'");
    }

    @Test
    void shouldListNoBindingsOfWhatDoesNotExist() {
        String missing = "no-such-" + UUID.randomUUID();
        for (String path : new String[] {"bindings/%2F/e/" + missing + "/q/" + missing,
                "bindings/%2F/e/amq.direct/q/" + missing, "bindings/%2F/e/" + missing + "/e/amq.direct",
                "bindings/" + missing + "/e/x/q/q", "exchanges/%2F/" + missing + "/bindings/source",
                "exchanges/%2F/" + missing + "/bindings/destination", "exchanges/" + missing + "/x/bindings/source",
                "queues/" + missing + "/q/bindings"}) {
            HttpResponse<String> response = target.send("GET", path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(ManagementTarget.parse(response.body()).isArray()).as(path).isTrue();
            assertThat(ManagementTarget.parse(response.body()).size()).as(path).isZero();
        }
        HttpResponse<String> one = target.send("GET", "bindings/%2F/e/amq.direct/q/" + missing + "/~", null);
        assertThat(one.statusCode()).isEqualTo(404);
        assertThat(ManagementTarget.parse(one.body()).path("error").asText()).isEqualTo("Object Not Found");

        HttpResponse<String> delete = target.send("DELETE", "bindings/%2F/e/amq.direct/q/" + missing, null);
        assertThat(delete.statusCode()).isEqualTo(405);

        HttpResponse<String> noHost = target.send("POST", "bindings/" + missing + "/e/x/q/q", "{\"routing_key\":\"k\"}");
        assertThat(noHost.statusCode()).isEqualTo(404);
        assertThat(ManagementTarget.parse(noHost.body()).path("error").asText()).isEqualTo("not_found");
        assertThat(ManagementTarget.parse(noHost.body()).path("reason").asText()).isEqualTo("vhost_not_found");
    }

    @Test
    void shouldAnswer400ForBadBodies() {
        HttpResponse<String> notJson = target.send("POST", "exchanges/%2F/amq.default/publish", "not json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(ManagementTarget.parse(notJson.body()).path("reason").asText()).isEqualTo("not_json");

        HttpResponse<String> missing = target.send("POST", "exchanges/%2F/amq.default/publish",
                "{\"routing_key\":\"k\",\"payload\":\"x\"}");
        assertThat(missing.statusCode()).isEqualTo(400);
        JsonNode error = ManagementTarget.parse(missing.body());
        assertThat(error.path("error").asText()).isEqualTo("bad_request");
        assertThat(error.path("reason").asText()).isEqualTo("[{key_missing,properties},{key_missing,payload_encoding}]");

        HttpResponse<String> unknownType = target.send("PUT", "exchanges/%2F/mgmt-bad-type", "{\"type\":\"bogus\"}");
        assertThat(unknownType.statusCode()).isEqualTo(400);
        // RabbitMQ says "unknown" the first time a type name is seen and "invalid" after (an Erlang atom table quirk).
        assertThat(ManagementTarget.parse(unknownType.body()).path("reason").asText())
                .matches("(unknown|invalid) exchange type 'bogus'");
    }

    @Test
    void shouldRefuseToDeleteAPredeclaredExchange() {
        HttpResponse<String> response = target.send("DELETE", "exchanges/%2F/amq.direct", null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(ManagementTarget.parse(response.body()).path("error").asText()).isEqualTo("not_authorised");
    }

    @Test
    void shouldAnswer405ForAMethodAPathDoesNotTake() {
        assertThat(target.send("PATCH", "queues", "{}").statusCode()).isEqualTo(405);
    }

    @Test
    void shouldCloseOnlyTheConnectionThatSentAMalformedRequest() throws Exception {
        try (Connection amqp = target.connect("mgmt-errors-bystander");
             Socket keptOpen = new Socket("127.0.0.1", target.httpPort());
             Socket malformed = new Socket("127.0.0.1", target.httpPort())) {
            malformed.setSoTimeout(10_000);
            malformed.getOutputStream().write("THIS IS NOT HTTP\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            String answer = readUntilClosed(malformed.getInputStream());

            assertThat(answer).startsWith("HTTP/1.1 400");
            assertThat(rawGet(keptOpen)).startsWith("HTTP/1.1 200");
            assertThat(target.get("overview").has("object_totals")).isTrue();
            assertThat(amqp.createChannel().queueDeclare().getQueue()).isNotEmpty();
        }
    }

    @Test
    void shouldCloseAConnectionWhoseHeadersAreTooLarge() throws Exception {
        try (Socket huge = new Socket("127.0.0.1", target.httpPort())) {
            huge.setSoTimeout(10_000);
            OutputStream out = huge.getOutputStream();
            out.write("GET /api/overview HTTP/1.1\r\nHost: localhost\r\nX-Filler: ".getBytes(StandardCharsets.US_ASCII));
            byte[] filler = new byte[128 * 1024];
            java.util.Arrays.fill(filler, (byte) 'a');
            try {
                out.write(filler);
                out.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException closedWhileWriting) {
                // The broker may answer and close before it has read all of it: that is the point.
            }

            String answer = readUntilClosed(huge.getInputStream());

            assertThat(answer).matches("(?s)HTTP/1\\.1 4(31|00).*");
        }
        assertThat(target.get("whoami").path("name").asText()).isEqualTo("guest");
    }

    private static String rawGet(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        String credentials = java.util.Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().write(("GET /api/whoami HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic " + credentials
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return readUntilClosed(socket.getInputStream());
    }

    private static String readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                read.write(buffer, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // A reset after the answer (the broker closed with unread input) still leaves the answer read.
        }
        return read.toString(StandardCharsets.ISO_8859_1);
    }
}
