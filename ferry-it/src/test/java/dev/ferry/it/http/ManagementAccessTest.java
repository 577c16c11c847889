package dev.ferry.it.http;

import static dev.ferry.it.http.ManagementTarget.assertError;
import static dev.ferry.it.http.ManagementTarget.passwordOf;
import static dev.ferry.it.http.ManagementTarget.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Users, tags and permissions through the API: what RabbitMQ's tags let each user see and do
 * (administrator, monitoring, management, none), the permission regexes on queues and exchanges,
 * and users, permissions and virtual hosts created and deleted by an administrator.
 */
class ManagementAccessTest {
    private final ManagementTarget target = ManagementTarget.shared();
    private final String prefix = "acc-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    @Test
    void shouldRefuseAUserWithoutAManagementTag() {
        String user = prefix + "plain";
        target.putUser(user, "");

        assertError(target.sendAsUser(user, "GET", "overview", null), 401, "not_authorised", "Not management user");
    }

    @Test
    void shouldLetAMonitoringUserSeeEverythingButChangeNothing() {
        String user = prefix + "monitor";
        target.putUser(user, "monitoring");

        assertThat(target.sendAsUser(user, "GET", "overview", null).statusCode()).isEqualTo(200);
        assertThat(target.sendAsUser(user, "GET", "nodes", null).statusCode()).isEqualTo(200);
        assertThat(target.sendAsUser(user, "GET", "queues", null).statusCode()).isEqualTo(200);
        JsonNode whoami = ManagementTarget.parse(target.sendAsUser(user, "GET", "whoami", null).body());
        assertThat(whoami.path("tags").get(0).asText()).isEqualTo("monitoring");
        assertError(target.sendAsUser(user, "PUT", "queues/%2F/" + segment(prefix + "q"), "{}"), 401, "not_authorised",
                "User not authorised to access virtual host");
        assertError(target.sendAsUser(user, "GET", "users", null), 401, "not_authorised", "Not administrator user");
    }

    @Test
    void shouldHoldAManagementUserToItsPermissions() {
        String user = prefix + "manager";
        target.putUser(user, "management");
        assertThat(target.send("PUT", "permissions/%2F/" + segment(user),
                "{\"configure\":\"^" + prefix + "\",\"write\":\"^" + prefix + "\",\"read\":\"^" + prefix + "\"}")
                .statusCode()).isEqualTo(201);

        assertThat(target.sendAsUser(user, "PUT", "queues/%2F/" + segment(prefix + "mine"), "{\"durable\":false}")
                .statusCode()).isEqualTo(201);
        assertError(target.sendAsUser(user, "PUT", "queues/%2F/" + segment("other-" + prefix), "{\"durable\":false}"),
                401, "not_authorised", "Access refused.");
        target.send("PUT", "queues/%2F/" + segment("other-" + prefix), "{\"durable\":false}");
        assertError(target.sendAsUser(user, "POST", "queues/%2F/" + segment("other-" + prefix) + "/get",
                        "{\"count\":1,\"ackmode\":\"ack_requeue_true\",\"encoding\":\"auto\"}"),
                401, "not_authorised",
                "ACCESS_REFUSED - access to queue 'other-" + prefix + "' in vhost '/' refused for user '" + user + "'");
        assertError(target.sendAsUser(user, "GET", "nodes", null), 401, "not_authorised", "Not monitor user");
        assertThat(target.sendAsUser(user, "DELETE", "queues/%2F/" + segment(prefix + "mine"), null).statusCode())
                .isEqualTo(204);
        target.send("DELETE", "queues/%2F/" + segment("other-" + prefix), null);
    }

    @Test
    void shouldCreateListAndDeleteUsersPermissionsAndVirtualHosts() {
        String user = prefix + "lifecycle";
        String vhost = prefix + "vhost";
        target.putUser(user, "management");
        assertThat(target.send("PUT", "users/" + segment(user),
                "{\"password\":\"" + passwordOf(user) + "\",\"tags\":\"management\"}")
                .statusCode()).isEqualTo(204);
        JsonNode shown = target.get("users/" + segment(user));
        assertThat(shown.path("tags").get(0).asText()).isEqualTo("management");
        assertThat(shown.path("hashing_algorithm").asText()).isEqualTo("rabbit_password_hashing_sha256");
        assertThat(shown.path("password_hash").asText()).isNotEmpty();

        assertThat(target.send("PUT", "vhosts/" + segment(vhost), null).statusCode()).isEqualTo(201);
        // Its creator gets full permissions there, as in RabbitMQ; a PUT of an existing one gives none again.
        JsonNode creators = target.get("vhosts/" + segment(vhost) + "/permissions");
        assertThat(names(creators, "user")).containsExactly("guest");
        assertThat(creators.get(0).path("configure").asText()).isEqualTo(".*");
        assertThat(creators.get(0).path("read").asText()).isEqualTo(".*");
        assertThat(target.send("DELETE", "permissions/" + segment(vhost) + "/guest", null).statusCode()).isEqualTo(204);
        assertThat(target.send("PUT", "vhosts/" + segment(vhost), null).statusCode()).isEqualTo(204);
        assertThat(names(target.get("vhosts/" + segment(vhost) + "/permissions"), "user")).isEmpty();
        assertError(target.sendAsUser(user, "GET", "queues/" + segment(vhost), null), 401, "not_authorised",
                "User not authorised to access virtual host");
        HttpResponse<String> unknownUser = target.send("PUT", "permissions/" + segment(vhost) + "/" + segment(prefix + "nobody"),
                "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        assertThat(unknownUser.statusCode()).isEqualTo(400);
        assertThat(ManagementTarget.parse(unknownUser.body()).path("reason").asText()).isEqualTo("vhost_or_user_not_found");
        assertThat(target.send("PUT", "permissions/" + segment(vhost) + "/" + segment(user),
                "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}").statusCode()).isEqualTo(201);

        assertThat(target.sendAsUser(user, "GET", "queues/" + segment(vhost), null).statusCode()).isEqualTo(200);
        assertThat(target.get("permissions/" + segment(vhost) + "/" + segment(user)).path("configure").asText()).isEqualTo(".*");
        assertThat(names(target.get("users/" + segment(user) + "/permissions"), "vhost")).containsExactly(vhost);
        assertThat(names(target.get("vhosts/" + segment(vhost) + "/permissions"), "user")).contains(user);
        assertThat(names(target.get("permissions"), "user")).contains(user);
        // What the user may see: its own virtual hosts only.
        assertThat(names(ManagementTarget.parse(target.sendAsUser(user, "GET", "vhosts", null).body()), "name"))
                .containsExactly(vhost);

        assertThat(target.send("DELETE", "permissions/" + segment(vhost) + "/" + segment(user), null).statusCode())
                .isEqualTo(204);
        assertThat(target.send("DELETE", "vhosts/" + segment(vhost), null).statusCode()).isEqualTo(204);
        assertThat(target.send("DELETE", "vhosts/" + segment(vhost), null).statusCode()).isEqualTo(404);
        assertThat(target.send("DELETE", "users/" + segment(user), null).statusCode()).isEqualTo(204);
        assertThat(target.send("DELETE", "users/" + segment(user), null).statusCode()).isEqualTo(404);
        assertThat(target.sendAsUser(user, "GET", "whoami", null).statusCode()).isEqualTo(401);
    }

    @Test
    void shouldListTheUsersWithoutAnyPermission() {
        String bare = prefix + "bare";
        String granted = prefix + "granted";
        target.putUser(bare, "management");
        target.putUser(granted, "management");
        target.send("PUT", "permissions/%2F/" + segment(granted), "{\"configure\":\"\",\"write\":\"\",\"read\":\"\"}");
        // A topic permission is not a permission: the user is still listed.
        target.send("PUT", "topic-permissions/%2F/" + segment(bare),
                "{\"exchange\":\"amq.topic\",\"write\":\".*\",\"read\":\".*\"}");

        JsonNode without = target.get("users/without-permissions");
        assertThat(names(without, "name")).contains(bare).doesNotContain(granted, "guest");
        for (JsonNode user : without) {
            if (user.path("name").asText().equals(bare)) {
                assertThat(user.path("tags").get(0).asText()).isEqualTo("management");
                assertThat(user.has("password_hash")).isTrue();
                assertThat(user.has("limits")).isTrue();
            }
        }
        // The path shadows a user of that name: it is only read.
        assertThat(target.send("PUT", "users/without-permissions", "{\"password\":\"x\",\"tags\":\"\"}").statusCode())
                .isEqualTo(405);
        assertThat(target.send("DELETE", "users/without-permissions", null).statusCode()).isEqualTo(405);
        assertError(target.sendAsUser(granted, "GET", "users/without-permissions", null), 401, "not_authorised",
                "Not administrator user");
        target.send("DELETE", "users/" + segment(bare), null);
        target.send("DELETE", "users/" + segment(granted), null);
    }

    @Test
    void shouldLogAFailedLoginWithTheUserAndWhereItCameFrom() {
        target.assumeFerryBehaviour("reads Ferry's log");
        String user = prefix + "intruder";

        assertThat(target.sendAs(user, "wrong", "GET", "overview", null).statusCode()).isEqualTo(401);

        await().atMost(Duration.ofSeconds(10)).until(() -> target.ferry().output().stream()
                .anyMatch(line -> line.contains("HTTP login failed for user '" + user + "' from /127.0.0.1:")));
    }

    @Test
    void shouldAnswerRepeatedFailedLoginsFromOneAddressLaterEachTime() {
        target.assumeFerryBehaviour("RabbitMQ answers failed logins at once; reads Ferry's log");
        String user = prefix + "guesser";
        for (int attempt = 0; attempt < 3; attempt++) {
            assertThat(target.sendAs(user, "guess-" + attempt, "GET", "overview", null).statusCode()).isEqualTo(401);
        }
        java.util.regex.Pattern answered = java.util.regex.Pattern.compile(
                "HTTP login failed for user '" + java.util.regex.Pattern.quote(user) + "' .*\\(answered after (\\d+) ms\\)");
        List<Long> delays = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            delays.clear();
            for (String line : target.ferry().output()) {
                java.util.regex.Matcher matcher = answered.matcher(line);
                if (matcher.find()) {
                    delays.add(Long.parseLong(matcher.group(1)));
                }
            }
            return delays.size() == 3;
        });
        // The broker's login throttle: each failure from the address doubles the wait (shared with AMQP and Kafka).
        assertThat(delays.get(1)).isGreaterThan(delays.get(0));
        assertThat(delays.get(2)).isGreaterThan(delays.get(1));
        // A right password still gets in, and clears the address.
        assertThat(target.send("GET", "whoami", null).statusCode()).isEqualTo(200);
    }

    private static List<String> names(JsonNode list, String field) {
        List<String> names = new ArrayList<>();
        list.forEach(item -> names.add(item.path(field).asText()));
        return names;
    }
}
