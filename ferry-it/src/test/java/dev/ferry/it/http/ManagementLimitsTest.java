package dev.ferry.it.http;

import static dev.ferry.it.http.ManagementTarget.assertError;
import static dev.ferry.it.http.ManagementTarget.passwordOf;
import static dev.ferry.it.http.ManagementTarget.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Connection;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Virtual host and user limits through {@code /api/vhost-limits}, {@code /api/user-limits} and the
 * {@code vhost-limits} runtime parameter: set one at a time, listed, held to by declares and
 * connections, refused with RabbitMQ 3.10's texts, and who may do what.
 */
class ManagementLimitsTest {
    private final ManagementTarget target = ManagementTarget.shared();
    private final String prefix = "lim-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    private String putVirtualHost(String name) {
        assertThat(target.send("PUT", "vhosts/" + segment(name), null).statusCode()).isEqualTo(201);
        return segment(name);
    }

    private void assertNoContent(String method, String path, String body) {
        HttpResponse<String> response = target.send(method, path, body);
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isEqualTo(204);
    }

    @Test
    void shouldSetAndClearVirtualHostLimitsOneAtATime() {
        String vhost = prefix + "vhost";
        String path = "vhost-limits/" + putVirtualHost(vhost);
        assertThat(target.get(path)).isEmpty();

        assertNoContent("PUT", path + "/max-queues", "{\"value\":7}");
        assertNoContent("PUT", path + "/max-connections", "{\"value\":8}");
        assertNoContent("PUT", path + "/max-queues", "{\"value\":9}");

        JsonNode limits = target.get(path);
        assertThat(limits).hasSize(1);
        assertThat(limits.get(0).path("vhost").asText()).isEqualTo(vhost);
        assertThat(limits.get(0).path("value").path("max-queues").asInt()).isEqualTo(9);
        assertThat(limits.get(0).path("value").path("max-connections").asInt()).isEqualTo(8);
        List<String> listed = new ArrayList<>();
        target.get("vhost-limits").forEach(entry -> listed.add(entry.path("vhost").asText()));
        assertThat(listed).contains(vhost);
        JsonNode parameter = target.get("parameters/vhost-limits/" + segment(vhost) + "/limits");
        assertThat(parameter.path("component").asText()).isEqualTo("vhost-limits");
        assertThat(parameter.path("name").asText()).isEqualTo("limits");
        assertThat(parameter.path("vhost").asText()).isEqualTo(vhost);
        assertThat(parameter.path("value").path("max-queues").asInt()).isEqualTo(9);

        assertNoContent("DELETE", path + "/max-connections", null);
        assertNoContent("DELETE", path + "/max-connections", null);
        assertNoContent("DELETE", path + "/max-unknown", null);
        assertThat(target.get(path).get(0).path("value").has("max-connections")).isFalse();
        assertNoContent("DELETE", path + "/max-queues", null);
        assertThat(target.get(path)).isEmpty();
        assertThat(target.send("GET", path + "/max-queues", null).statusCode()).isEqualTo(405);
        target.send("DELETE", "vhosts/" + segment(vhost), null);
    }

    @Test
    void shouldRefuseADeclarePastTheQueueLimitThroughTheApi() {
        String vhost = prefix + "full";
        String encoded = putVirtualHost(vhost);
        target.send("PUT", "permissions/" + encoded + "/guest", "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        assertNoContent("PUT", "vhost-limits/" + encoded + "/max-queues", "{\"value\":1}");

        assertThat(target.send("PUT", "queues/" + encoded + "/first", "{\"durable\":false}").statusCode()).isEqualTo(201);
        assertThat(target.send("PUT", "queues/" + encoded + "/first", "{\"durable\":false}").statusCode())
                .as("declaring an existing queue again is no new queue").isEqualTo(204);
        assertError(target.send("PUT", "queues/" + encoded + "/second", "{\"durable\":false}"), 400, "bad_request",
                "cannot declare queue 'second': queue limit in vhost '" + vhost + "' (1) is reached");

        assertNoContent("PUT", "vhost-limits/" + encoded + "/max-queues", "{\"value\":-1}");
        assertThat(target.send("PUT", "queues/" + encoded + "/second", "{\"durable\":false}").statusCode())
                .as("a negative limit is no limit").isEqualTo(201);
        target.send("DELETE", "vhosts/" + encoded, null);
    }

    @Test
    void shouldRefuseBadVirtualHostLimitsWithRabbitMqsTexts() {
        String vhost = prefix + "strict";
        String path = "vhost-limits/" + putVirtualHost(vhost);

        assertError(target.send("PUT", path + "/max-queues", "{\"value\":\"20\"}"), 400, "bad_request",
                "Validation failed\n\nmax-queues should be a number, actually was <<\"20\">>\n");
        assertError(target.send("PUT", path + "/max-queues", "{\"value\":1.5}"), 400, "bad_request",
                "Validation failed\n\nmax-queues should be a number, actually was 1.5\n");
        assertError(target.send("PUT", path + "/max-queues", "{\"value\":null}"), 400, "bad_request",
                "Validation failed\n\nmax-queues should be a number, actually was null\n");
        assertError(target.send("PUT", path + "/max-channels", "{\"value\":3}"), 400, "bad_request",
                "Validation failed\n\nUnrecognised terms [{<<\"max-channels\">>,3}] in limits\n");
        assertError(target.send("PUT", path + "/max-queues", "{}"), 400, "bad_request", "[{key_missing,value}]");
        assertError(target.send("PUT", path + "/max-queues", "[1]"), 400, "bad_request", "not_json");
        assertError(target.send("PUT", "vhost-limits/" + segment(prefix + "none") + "/max-queues", "{\"value\":3}"),
                404, "not_found", "vhost_not_found");
        assertError(target.send("GET", "vhost-limits/" + segment(prefix + "none"), null), 404, "Object Not Found",
                "Not Found");
        assertThat(target.get(path)).as("nothing was set").isEmpty();
        target.send("DELETE", "vhosts/" + segment(vhost), null);
    }

    @Test
    void shouldSetUserLimitsOneAtATimeAndHoldConnectionsToThem() throws Exception {
        String user = prefix + "capped";
        target.putUser(user, "management");
        target.send("PUT", "permissions/%2F/" + segment(user), "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        String path = "user-limits/" + segment(user);
        assertThat(target.get(path)).isEmpty();

        assertNoContent("PUT", path + "/max-channels", "{\"value\":4}");
        assertNoContent("PUT", path + "/max-connections", "{\"value\":1}");
        JsonNode limits = target.get(path);
        assertThat(limits).hasSize(1);
        assertThat(limits.get(0).path("user").asText()).isEqualTo(user);
        assertThat(limits.get(0).path("value").path("max-channels").asInt()).isEqualTo(4);
        assertThat(limits.get(0).path("value").path("max-connections").asInt()).isEqualTo(1);
        assertThat(target.get("users/" + segment(user)).path("limits").path("max-connections").asInt()).isEqualTo(1);
        List<String> listed = new ArrayList<>();
        target.get("user-limits").forEach(entry -> listed.add(entry.path("user").asText()));
        assertThat(listed).contains(user);

        try (Connection first = target.connect("user-limit-1", user, passwordOf(user), "/")) {
            assertThat(first.isOpen()).isTrue();
            assertThatThrownBy(() -> target.connect("user-limit-2", user, passwordOf(user), "/").close())
                    .as("the second connection is past the user's limit");
        }

        assertNoContent("DELETE", path + "/max-connections", null);
        assertNoContent("DELETE", path + "/max-channels", null);
        assertThat(target.get(path)).isEmpty();
        assertThat(target.get("users/" + segment(user)).path("limits").size()).isZero();
        target.send("DELETE", "users/" + segment(user), null);
    }

    @Test
    void shouldRefuseBadUserLimitsWithRabbitMqsTexts() {
        String user = prefix + "strict-user";
        target.putUser(user, "management");
        String path = "user-limits/" + segment(user);

        assertError(target.send("PUT", path + "/max-queues", "{\"value\":3}"), 400, "bad_request",
                "Unrecognised terms [{<<\"max-queues\">>,3}] in user-limits");
        assertError(target.send("PUT", path + "/max-channels", "{\"value\":\"x\"}"), 400, "bad_request",
                "max-channels should be a number, actually was <<\"x\">>");
        assertError(target.send("PUT", path + "/max-channels", "{}"), 400, "bad_request", "[{key_missing,value}]");
        HttpResponse<String> nobody = target.send("PUT", "user-limits/" + segment(prefix + "nobody") + "/max-channels",
                "{\"value\":2}");
        assertThat(nobody.statusCode()).isEqualTo(400);
        // RabbitMQ's reason is the Erlang term [no_such_user, Name] as a JSON array; Ferry's a text.
        assertThat(ManagementTarget.parse(nobody.body()).path("reason").toString()).contains("no_such_user")
                .contains(prefix + "nobody");
        assertError(target.send("GET", "user-limits/" + segment(prefix + "nobody"), null), 404, "Object Not Found",
                "Not Found");
        assertThat(target.get(path)).isEmpty();
        target.send("DELETE", "users/" + segment(user), null);
    }

    @Test
    void shouldLetManagementUsersReadLimitsAndOnlyAdministratorsChangeThem() {
        String vhost = prefix + "shared";
        String encoded = putVirtualHost(vhost);
        String hidden = prefix + "hidden";
        String hiddenEncoded = putVirtualHost(hidden);
        assertNoContent("PUT", "vhost-limits/" + encoded + "/max-queues", "{\"value\":5}");
        assertNoContent("PUT", "vhost-limits/" + hiddenEncoded + "/max-queues", "{\"value\":5}");
        String manager = prefix + "manager";
        target.putUser(manager, "management");
        target.send("PUT", "permissions/" + encoded + "/" + segment(manager),
                "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        String monitor = prefix + "monitor";
        target.putUser(monitor, "monitoring");
        assertNoContent("PUT", "user-limits/" + segment(monitor) + "/max-channels", "{\"value\":3}");

        List<String> seen = new ArrayList<>();
        ManagementTarget.parse(target.sendAsUser(manager, "GET", "vhost-limits", null).body())
                .forEach(entry -> seen.add(entry.path("vhost").asText()));
        assertThat(seen).contains(vhost).doesNotContain(hidden);
        assertThat(target.sendAsUser(manager, "GET", "vhost-limits/" + encoded, null).statusCode()).isEqualTo(200);
        assertError(target.sendAsUser(manager, "GET", "vhost-limits/" + hiddenEncoded, null), 401, "not_authorised",
                "User not authorised to access virtual host");
        assertThat(target.sendAsUser(monitor, "GET", "vhost-limits/" + hiddenEncoded, null).statusCode())
                .isEqualTo(200);
        assertThat(target.sendAsUser(manager, "GET", "user-limits/" + segment(monitor), null).statusCode())
                .as("every user's limits, to any management user").isEqualTo(200);
        for (String user : new String[] {manager, monitor}) {
            assertError(target.sendAsUser(user, "PUT", "vhost-limits/" + encoded + "/max-queues", "{\"value\":1}"), 401,
                    "not_authorised", "Not administrator user");
            assertError(target.sendAsUser(user, "DELETE", "user-limits/" + segment(monitor) + "/max-channels", null), 401,
                    "not_authorised", "Not administrator user");
        }
        target.send("DELETE", "users/" + segment(manager), null);
        target.send("DELETE", "users/" + segment(monitor), null);
        target.send("DELETE", "vhosts/" + encoded, null);
        target.send("DELETE", "vhosts/" + hiddenEncoded, null);
    }

    @Test
    void shouldSetVirtualHostLimitsAsOneParameter() {
        String vhost = prefix + "param";
        String encoded = putVirtualHost(vhost);
        String path = "parameters/vhost-limits/" + encoded + "/limits";

        assertThat(target.send("PUT", path, "{\"value\":{\"max-queues\":4,\"max-connections\":2}}").statusCode())
                .isEqualTo(201);
        assertThat(target.send("PUT", path, "{\"value\":{\"max-queues\":6}}").statusCode()).isEqualTo(204);
        JsonNode limits = target.get("vhost-limits/" + encoded).get(0).path("value");
        assertThat(limits.path("max-queues").asInt()).isEqualTo(6);
        assertThat(limits.has("max-connections")).as("the whole parameter is replaced").isFalse();
        assertThat(target.get("parameters/vhost-limits/" + encoded)).hasSize(1);
        List<String> components = new ArrayList<>();
        target.get("parameters").forEach(p -> components.add(p.path("component").asText() + ":" + p.path("vhost").asText()));
        assertThat(components).contains("vhost-limits:" + vhost);

        assertError(target.send("PUT", path, "{\"value\":5}"), 400, "bad_request",
                "Validation failed\n\nlimits not a list 5\n");
        assertError(target.send("PUT", path, "{\"value\":{\"max-queues\":\"5\",\"max-other\":1}}"), 400, "bad_request",
                "Validation failed\n\nUnrecognised terms [{&lt;&lt;\"max-other\"&gt;&gt;,1}] in limits\n"
                        + "max-queues should be a number, actually was &lt;&lt;\"5\"&gt;&gt;\n");
        assertError(target.send("PUT", path, "{}"), 400, "bad_request", "[{key_missing,value}]");
        assertError(target.send("PUT", "parameters/vhost-limits/" + segment(prefix + "none") + "/limits",
                "{\"value\":{\"max-queues\":1}}"), 404, "not_found", "vhost_not_found");
        assertError(target.send("PUT", "parameters/shovel/" + encoded + "/s", "{\"value\":{}}"), 400, "bad_request",
                "Validation failed\n\ncomponent shovel not found\n");
        assertError(target.send("PUT", "parameters/policy/" + encoded + "/p", "{\"value\":{}}"), 400, "bad_request",
                "policies may not be set using this method");

        assertNoContent("DELETE", path, null);
        assertThat(target.get("vhost-limits/" + encoded)).isEmpty();
        assertThat(target.send("DELETE", path, null).statusCode()).isEqualTo(404);
        assertThat(target.send("GET", path, null).statusCode()).isEqualTo(404);
        target.send("DELETE", "vhosts/" + encoded, null);
    }
}
