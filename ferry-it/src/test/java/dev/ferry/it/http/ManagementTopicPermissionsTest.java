package dev.ferry.it.http;

import static dev.ferry.it.http.ManagementTarget.assertError;
import static dev.ferry.it.http.ManagementTarget.passwordOf;
import static dev.ferry.it.http.ManagementTarget.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Topic permissions through the API: set, listed four ways, held to by a publisher, refused as
 * RabbitMQ 3.10 refuses them, and administrators only.
 */
class ManagementTopicPermissionsTest {
    private final ManagementTarget target = ManagementTarget.shared();
    private final String prefix = "tp-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    private static List<String> values(JsonNode list, String field) {
        List<String> values = new ArrayList<>();
        list.forEach(item -> values.add(item.path(field).asText()));
        return values;
    }

    @Test
    void shouldSetListAndClearAUsersTopicPermissions() {
        String user = prefix + "publisher";
        String path = "topic-permissions/%2F/" + segment(user);
        target.putUser(user, "management");

        assertThat(target.send("PUT", path, "{\"exchange\":\"amq.topic\",\"write\":\"^orders\\\\.\",\"read\":\".*\"}")
                .statusCode()).as("the user's first in the vhost").isEqualTo(201);
        assertThat(target.send("PUT", path, "{\"exchange\":\"amq.topic\",\"write\":\"^orders\\\\.\",\"read\":\".*\"}")
                .statusCode()).isEqualTo(204);
        assertThat(target.send("PUT", path, "{\"exchange\":\"" + prefix + "x\",\"write\":\"\",\"read\":\"^a\"}")
                .statusCode()).as("another exchange: the pair exists already").isEqualTo(204);

        JsonNode pair = target.get(path);
        assertThat(pair).hasSize(2);
        assertThat(values(pair, "exchange")).containsExactlyInAnyOrder("amq.topic", prefix + "x");
        JsonNode topic = pair.get(values(pair, "exchange").indexOf("amq.topic"));
        assertThat(topic.path("user").asText()).isEqualTo(user);
        assertThat(topic.path("vhost").asText()).isEqualTo("/");
        assertThat(topic.path("write").asText()).isEqualTo("^orders\\.");
        assertThat(topic.path("read").asText()).isEqualTo(".*");
        assertThat(values(target.get("topic-permissions"), "user")).contains(user);
        JsonNode ofUser = target.get("users/" + segment(user) + "/topic-permissions");
        assertThat(values(ofUser, "exchange")).containsExactlyInAnyOrder("amq.topic", prefix + "x");
        JsonNode ofHost = target.get("vhosts/%2F/topic-permissions");
        assertThat(values(ofHost, "user")).contains(user);
        List<String> fields = new ArrayList<>();
        ofHost.get(0).fieldNames().forEachRemaining(fields::add);
        assertThat(fields).as("a vhost's list names the vhost first").containsExactly("vhost", "user", "exchange",
                "write", "read");
        assertThat(target.get("users/guest/topic-permissions")).isEmpty();

        assertThat(target.send("DELETE", path, null).statusCode()).as("every exchange at once").isEqualTo(204);
        assertThat(target.send("GET", path, null).statusCode()).isEqualTo(404);
        assertThat(target.send("DELETE", path, null).statusCode()).isEqualTo(404);
        assertThat(target.get("users/" + segment(user) + "/topic-permissions")).isEmpty();
        target.send("DELETE", "users/" + segment(user), null);
    }

    @Test
    void shouldHoldAPublisherToItsTopicPermission() throws Exception {
        String user = prefix + "limited";
        target.putUser(user, "management");
        assertThat(target.send("PUT", "permissions/%2F/" + segment(user),
                "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}").statusCode()).isEqualTo(201);
        assertThat(target.send("PUT", "topic-permissions/%2F/" + segment(user),
                "{\"exchange\":\"amq.topic\",\"write\":\"^allowed\\\\.\",\"read\":\".*\"}").statusCode()).isEqualTo(201);

        try (Connection connection = target.connect("topic-permission-test", user, passwordOf(user), "/")) {
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            channel.basicPublish("amq.topic", "allowed.key", null, new byte[] {1});
            channel.waitForConfirmsOrDie(10_000);
            channel.basicPublish("amq.topic", "other.key", null, new byte[] {1});
            assertThatThrownBy(() -> channel.waitForConfirmsOrDie(10_000))
                    .hasStackTraceContaining("ACCESS_REFUSED");
        } finally {
            target.send("DELETE", "users/" + segment(user), null);
        }
    }

    @Test
    void shouldRefuseTopicPermissionsAsRabbitMqDoes() {
        String user = prefix + "refused";
        String path = "topic-permissions/%2F/" + segment(user);
        target.putUser(user, "management");

        assertError(target.send("PUT", "topic-permissions/%2F/" + segment(prefix + "nobody"),
                "{\"exchange\":\"amq.topic\",\"write\":\".*\",\"read\":\".*\"}"), 400, "bad_request", "vhost_or_user_not_found");
        assertError(target.send("PUT", "topic-permissions/" + segment(prefix + "no-vhost") + "/" + segment(user),
                "{\"exchange\":\"amq.topic\",\"write\":\".*\",\"read\":\".*\"}"), 400, "bad_request", "vhost_or_user_not_found");
        assertError(target.send("PUT", path, "{\"write\":\".*\"}"), 400, "bad_request",
                "[{key_missing,exchange},{key_missing,read}]");
        assertError(target.send("PUT", path, "not json"), 400, "bad_request", "not_json");
        HttpResponse<String> badRegex = target.send("PUT", path, "{\"exchange\":\"amq.topic\",\"write\":\"(\",\"read\":\"\"}");
        assertThat(badRegex.statusCode()).isEqualTo(400);
        // RabbitMQ's reason is an Erlang term as a JSON array, Ferry's a text; both name the problem.
        assertThat(ManagementTarget.parse(badRegex.body()).path("reason").toString()).contains("invalid_regexp");
        assertThat(target.send("GET", path, null).statusCode()).as("nothing was set").isEqualTo(404);
        assertError(target.send("GET", "users/" + segment(prefix + "nobody") + "/topic-permissions", null), 404,
                "Object Not Found", "Not Found");
        assertError(target.send("GET", "vhosts/" + segment(prefix + "no-vhost") + "/topic-permissions", null), 404,
                "Object Not Found", "Not Found");
        assertThat(target.send("POST", path, "{}").statusCode()).isEqualTo(405);
        assertThat(target.send("DELETE", "topic-permissions", null).statusCode()).isEqualTo(405);
        target.send("DELETE", "users/" + segment(user), null);
    }

    @Test
    void shouldLeaveTopicPermissionsToAdministrators() {
        String subject = prefix + "subject";
        target.putUser(subject, "management");
        for (String tag : new String[] {"management", "monitoring", "policymaker"}) {
            String user = prefix + tag;
            target.putUser(user, tag);
            for (String path : new String[] {"topic-permissions", "topic-permissions/%2F/" + segment(subject),
                    "vhosts/%2F/topic-permissions", "users/" + segment(user) + "/topic-permissions"}) {
                assertError(target.sendAsUser(user, "GET", path, null), 401, "not_authorised", "Not administrator user");
            }
            assertError(target.sendAsUser(user, "PUT", "topic-permissions/%2F/" + segment(subject),
                    "{\"exchange\":\"amq.topic\",\"write\":\".*\",\"read\":\".*\"}"), 401, "not_authorised",
                    "Not administrator user");
            target.send("DELETE", "users/" + segment(user), null);
        }
        target.send("DELETE", "users/" + segment(subject), null);
    }
}
