package dev.ferry.it.http;

import static dev.ferry.it.http.ManagementTarget.assertError;
import static dev.ferry.it.http.ManagementTarget.segment;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Runtime parameters, global parameters and the cluster name: what they list, who may read them
 * (administrators and policymakers, as RabbitMQ 3.10), and a cluster name set through the API
 * reaching new AMQP connections.
 */
class ManagementParametersTest {
    private final ManagementTarget target = ManagementTarget.shared();
    private final String prefix = "par-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    @Test
    void shouldListPoliciesUnderTheirComponentOnly() {
        String vhost = prefix + "policies";
        String encoded = segment(vhost);
        target.send("PUT", "vhosts/" + encoded, null);
        assertThat(target.send("PUT", "policies/" + encoded + "/cap",
                "{\"pattern\":\"^x\",\"definition\":{\"max-length\":5}}").statusCode()).isEqualTo(201);

        JsonNode policies = target.get("parameters/policy/" + encoded);
        assertThat(policies).hasSize(1);
        JsonNode policy = policies.get(0);
        assertThat(policy.path("component").asText()).isEqualTo("policy");
        assertThat(policy.path("name").asText()).isEqualTo("cap");
        assertThat(policy.path("vhost").asText()).isEqualTo(vhost);
        assertThat(policy.path("value").path("pattern").asText()).isEqualTo("^x");
        assertThat(policy.path("value").path("definition").path("max-length").asInt()).isEqualTo(5);
        assertThat(policy.path("value").path("apply-to").asText()).isEqualTo("all");
        assertThat(target.get("parameters/policy/" + encoded + "/cap").path("name").asText()).isEqualTo("cap");
        List<String> all = new ArrayList<>();
        target.get("parameters").forEach(p -> all.add(p.path("component").asText()));
        assertThat(all).doesNotContain("policy");
        assertThat(target.get("parameters/operator_policy/" + encoded)).isEmpty();
        assertThat(target.get("parameters/federation-upstream/" + encoded)).isEmpty();
        assertError(target.send("GET", "parameters/federation-upstream/" + encoded + "/x", null), 404,
                "Object Not Found", "Not Found");
        assertError(target.send("GET", "parameters/vhost-limits/" + segment(prefix + "none"), null), 404,
                "Object Not Found", "Not Found");
        target.send("DELETE", "vhosts/" + encoded, null);
    }

    @Test
    void shouldLeaveParametersToAdministratorsAndPolicymakersOfTheirVirtualHosts() {
        String vhost = prefix + "limited";
        String encoded = segment(vhost);
        target.send("PUT", "vhosts/" + encoded, null);
        target.send("PUT", "vhost-limits/" + encoded + "/max-queues", "{\"value\":3}");
        String policymaker = prefix + "policymaker";
        target.putUser(policymaker, "policymaker");
        String monitor = prefix + "monitor";
        target.putUser(monitor, "monitoring");

        for (String path : new String[] {"parameters", "parameters/vhost-limits", "global-parameters",
                "global-parameters/internal_cluster_id"}) {
            assertError(target.sendAsUser(monitor, "GET", path, null), 401, "not_authorised",
                    "User not authorised to access object");
        }
        assertThat(ManagementTarget.parse(target.sendAsUser(policymaker, "GET", "parameters", null).body()))
                .as("no virtual host of its own yet").isEmpty();
        assertError(target.sendAsUser(policymaker, "GET", "parameters/vhost-limits/" + encoded, null), 401,
                "not_authorised", "User not authorised to access object");
        assertThat(target.sendAsUser(policymaker, "GET", "global-parameters", null).statusCode()).isEqualTo(200);

        target.send("PUT", "permissions/" + encoded + "/" + segment(policymaker),
                "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        JsonNode seen = ManagementTarget.parse(
                target.sendAsUser(policymaker, "GET", "parameters/vhost-limits/" + encoded, null).body());
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).path("value").path("max-queues").asInt()).isEqualTo(3);
        // As in RabbitMQ, a policymaker may set a virtual host's limits through the parameter.
        assertThat(target.sendAsUser(policymaker, "PUT", "parameters/vhost-limits/" + encoded + "/limits",
                "{\"value\":{\"max-queues\":2}}").statusCode()).isEqualTo(204);
        assertThat(target.get("vhost-limits/" + encoded).get(0).path("value").path("max-queues").asInt()).isEqualTo(2);

        target.send("DELETE", "users/" + segment(policymaker), null);
        target.send("DELETE", "users/" + segment(monitor), null);
        target.send("DELETE", "vhosts/" + encoded, null);
    }

    @Test
    void shouldShowTheInternalClusterId() {
        String id = null;
        for (JsonNode parameter : target.get("global-parameters")) {
            if (parameter.path("name").asText().equals("internal_cluster_id")) {
                id = parameter.path("value").asText();
            }
        }
        assertThat(id).isNotBlank();
        JsonNode one = target.get("global-parameters/internal_cluster_id");
        assertThat(one.path("value").asText()).isEqualTo(id);
        assertThat(one.path("name").asText()).isEqualTo("internal_cluster_id");
        assertError(target.send("GET", "global-parameters/" + prefix + "none", null), 404, "Object Not Found", "Not Found");
    }

    @Test
    void shouldSetTheClusterNameThatNewConnectionsAreShown() throws Exception {
        String before = target.get("cluster-name").path("name").asText();
        String name = prefix + "cluster";
        try {
            assertThat(target.send("PUT", "cluster-name", "{\"name\":\"" + name + "\"}").statusCode()).isEqualTo(204);

            assertThat(target.get("cluster-name").path("name").asText()).isEqualTo(name);
            assertThat(target.get("overview").path("cluster_name").asText()).isEqualTo(name);
            assertThat(target.get("global-parameters/cluster_name").path("value").asText()).isEqualTo(name);
            try (Connection connection = target.connect("cluster-name-test")) {
                assertThat(String.valueOf(connection.getServerProperties().get("cluster_name"))).isEqualTo(name);
            }

            assertError(target.send("PUT", "cluster-name", "{\"title\":\"x\"}"), 400, "bad_request",
                    "[{key_missing,name}]");
            assertError(target.send("PUT", "cluster-name", "not json"), 400, "bad_request", "not_json");
            assertThat(target.send("DELETE", "cluster-name", null).statusCode()).isEqualTo(405);
            String monitor = prefix + "monitor";
            target.putUser(monitor, "monitoring");
            assertThat(ManagementTarget.parse(target.sendAsUser(monitor, "GET", "cluster-name", null).body())
                    .path("name").asText()).isEqualTo(name);
            assertError(target.sendAsUser(monitor, "PUT", "cluster-name", "{\"name\":\"x\"}"), 401, "not_authorised",
                    "Not administrator user");
            target.send("DELETE", "users/" + segment(monitor), null);
        } finally {
            target.send("PUT", "cluster-name", "{\"name\":\"" + before + "\"}");
        }
    }
}
