package dev.ferry.it.http;

import static dev.ferry.it.http.ManagementTarget.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Policies and operator policies through {@code /api/policies} and {@code /api/operator-policies},
 * observed with the RabbitMQ Java client: a policy set on a queue that already holds messages
 * changes what the queue does at once, clearing it gives the queue its own arguments back, the
 * precedence between the queue's arguments, the policy and the operator policy, the priority
 * between two matching policies, RabbitMQ's validation texts and tag rules. Runs against
 * RabbitMQ 3.10 too (see {@link ManagementTarget}); every policy's pattern is anchored on this
 * test's own names, so tests do not see each other's policies.
 */
class ManagementPoliciesTest {
    private static final Duration APPLIED = Duration.ofSeconds(20);

    private final ManagementTarget target = ManagementTarget.shared();
    private final String prefix = "pol-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final List<String> policies = new ArrayList<>();
    private final List<String> operatorPolicies = new ArrayList<>();
    private Connection connection;
    private Channel channel;

    @BeforeEach
    void connect() throws Exception {
        connection = target.connect("management-policies-test");
        channel = connection.createChannel();
    }

    @AfterEach
    void clearPoliciesAndClose() throws Exception {
        policies.forEach(name -> target.send("DELETE", "policies/%2F/" + segment(name), null));
        operatorPolicies.forEach(name -> target.send("DELETE", "operator-policies/%2F/" + segment(name), null));
        if (connection.isOpen()) {
            connection.close();
        }
    }

    private void putPolicy(String name, String body) {
        assertStatus(target.send("PUT", "policies/%2F/" + segment(name), body), 201);
        policies.add(name);
    }

    private void putOperatorPolicy(String name, String body) {
        assertStatus(target.send("PUT", "operator-policies/%2F/" + segment(name), body), 201);
        operatorPolicies.add(name);
    }

    private void clearPolicy(String name) {
        assertStatus(target.send("DELETE", "policies/%2F/" + segment(name), null), 204);
        policies.remove(name);
    }

    private static void assertStatus(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    }

    private static String policy(String pattern, String applyTo, int priority, String definition) {
        return "{\"pattern\":\"" + pattern + "\",\"apply-to\":\"" + applyTo + "\",\"priority\":" + priority
                + ",\"definition\":" + definition + "}";
    }

    private static String exactly(String name) {
        return "^" + name.replace(".", "\\\\.") + "$";
    }

    private void publish(String queue, int count, String tag) throws Exception {
        channel.confirmSelect();
        for (int i = 0; i < count; i++) {
            channel.basicPublish("", queue, null, (tag + i).getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);
    }

    private int depth(String queue) throws Exception {
        return channel.queueDeclarePassive(queue).getMessageCount();
    }

    private List<String> drain(String queue) throws Exception {
        List<String> bodies = new ArrayList<>();
        GetResponse response;
        while ((response = channel.basicGet(queue, true)) != null) {
            bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
        }
        return bodies;
    }

    private JsonNode queueJson(String queue) {
        return target.get("queues/%2F/" + segment(queue));
    }

    @Test
    void shouldTrimAQueueThatHoldsMessagesAtOnceAndGiveItsLimitBackWhenCleared() throws Exception {
        String queue = prefix + "trim";
        String dead = prefix + "trim-dead";
        channel.queueDeclare(queue, true, false, false, null);
        channel.queueDeclare(dead, true, false, false, null);
        publish(queue, 5, "m");

        putPolicy(prefix + "trim", policy(exactly(queue), "queues", 0, "{\"max-length\":2,"
                + "\"dead-letter-exchange\":\"\",\"dead-letter-routing-key\":\"" + dead + "\"}"));

        // The three oldest go at once, dead-lettered as maxlen through the policy's exchange.
        await().atMost(APPLIED).until(() -> depth(queue) == 2 && depth(dead) == 3);
        assertThat(drain(dead)).containsExactly("m0", "m1", "m2");
        // RabbitMQ's queue JSON lags behind by its statistics interval; Ferry's is current.
        JsonNode shown = await().atMost(APPLIED).until(() -> queueJson(queue),
                json -> json.path("policy").asText().equals(prefix + "trim"));
        assertThat(shown.path("effective_policy_definition").path("max-length").asInt()).isEqualTo(2);
        assertThat(shown.path("arguments").size()).as("the queue's own arguments").isZero();

        clearPolicy(prefix + "trim");
        await().atMost(APPLIED).until(() -> queueJson(queue).path("policy").isNull());
        publish(queue, 3, "n");
        assertThat(depth(queue)).as("no limit once cleared").isEqualTo(5);
        assertThat(drain(queue)).containsExactly("m3", "m4", "n0", "n1", "n2");
        assertThat(depth(dead)).isZero();
    }

    @Test
    void shouldExpireMessagesThatArriveAfterATtlPolicyAndKeepThoseAlreadyQueued() throws Exception {
        String queue = prefix + "ttl";
        String dead = prefix + "ttl-dead";
        channel.queueDeclare(queue, true, false, false, null);
        channel.queueDeclare(dead, true, false, false, null);
        publish(queue, 1, "before");

        putPolicy(prefix + "ttl", policy(exactly(queue), "queues", 0, "{\"message-ttl\":100,"
                + "\"dead-letter-exchange\":\"\",\"dead-letter-routing-key\":\"" + dead + "\"}"));
        await().atMost(APPLIED).until(() -> (prefix + "ttl").equals(queueJson(queue).path("policy").asText()));
        publish(queue, 1, "after");

        // A message queued before the policy keeps the deadline it had on arrival, none (RabbitMQ
        // too); taking it also lets RabbitMQ, which expires at the head only, reach the next one.
        GetResponse before = channel.basicGet(queue, true);
        assertThat(new String(before.getBody(), StandardCharsets.UTF_8)).isEqualTo("before0");
        await().atMost(APPLIED).until(() -> depth(dead) == 1);
        GetResponse expired = channel.basicGet(dead, true);
        assertThat(new String(expired.getBody(), StandardCharsets.UTF_8)).isEqualTo("after0");
        @SuppressWarnings("unchecked")
        Map<String, Object> death = ((List<Map<String, Object>>) expired.getProps().getHeaders().get("x-death")).get(0);
        assertThat(death.get("reason").toString()).isEqualTo("expired");
        assertThat(depth(queue)).isZero();
    }

    @Test
    void shouldTakeTheLowestLimitAndTheQueuesOwnDeadLetterExchange() throws Exception {
        String queue = prefix + "precedence";
        String own = prefix + "own-dead";
        String fromPolicy = prefix + "policy-dead";
        channel.queueDeclare(own, true, false, false, null);
        channel.queueDeclare(fromPolicy, true, false, false, null);
        channel.queueDeclare(queue, true, false, false, Map.of("x-max-length", 4,
                "x-dead-letter-exchange", "", "x-dead-letter-routing-key", own));

        // Policy 3 < argument 4: the policy's limit counts. Its dead-letter key does not: the argument wins.
        putPolicy(prefix + "precedence", policy(exactly(queue), "queues", 0, "{\"max-length\":3,"
                + "\"dead-letter-exchange\":\"\",\"dead-letter-routing-key\":\"" + fromPolicy + "\"}"));
        await().atMost(APPLIED).until(() -> (prefix + "precedence").equals(queueJson(queue).path("policy").asText()));
        publish(queue, 5, "a");
        await().atMost(APPLIED).until(() -> depth(queue) == 3 && depth(own) == 2);
        assertThat(depth(fromPolicy)).isZero();

        // An operator policy lower still wins over both; the effective definition shows the lower value.
        putOperatorPolicy(prefix + "precedence", policy(exactly(queue), "queues", 0, "{\"max-length\":1}"));
        await().atMost(APPLIED).until(() -> depth(queue) == 1 && depth(own) == 4);
        JsonNode shown = await().atMost(APPLIED).until(() -> queueJson(queue),
                json -> json.path("operator_policy").asText().equals(prefix + "precedence"));
        assertThat(shown.path("effective_policy_definition").path("max-length").asInt()).isEqualTo(1);
        assertThat(shown.path("effective_policy_definition").path("dead-letter-routing-key").asText()).isEqualTo(fromPolicy);

        // A redeclare still compares only the queue's own arguments.
        channel.queueDeclare(queue, true, false, false, Map.of("x-max-length", 4,
                "x-dead-letter-exchange", "", "x-dead-letter-routing-key", own));
    }

    @Test
    void shouldApplyOnlyTheHighestPriorityPolicyThatMatches() throws Exception {
        String queue = prefix + "priority";
        channel.queueDeclare(queue, true, false, false, null);
        putPolicy(prefix + "high", policy("^" + prefix + "prio", "queues", 5, "{\"max-length\":1}"));
        putPolicy(prefix + "low", policy("^" + prefix, "all", 1, "{\"max-length\":3}"));
        await().atMost(APPLIED).until(() -> (prefix + "high").equals(queueJson(queue).path("policy").asText()));
        publish(queue, 4, "p");
        await().atMost(APPLIED).until(() -> depth(queue) == 1);

        // The lower one now matches alone: only its definition is in effect.
        clearPolicy(prefix + "high");
        await().atMost(APPLIED).until(() -> (prefix + "low").equals(queueJson(queue).path("policy").asText()));
        publish(queue, 4, "q");
        assertThat(depth(queue)).isEqualTo(3);
        assertThat(queueJson(queue).path("effective_policy_definition").toString()).isEqualTo("{\"max-length\":3}");
    }

    @Test
    void shouldGiveAnExchangeThePolicysAlternateExchange() throws Exception {
        String exchange = prefix + "in";
        String alternate = prefix + "alternate";
        String unrouted = prefix + "unrouted";
        channel.exchangeDeclare(exchange, "direct", true);
        channel.exchangeDeclare(alternate, "fanout", true);
        channel.queueDeclare(unrouted, true, false, false, null);
        channel.queueBind(unrouted, alternate, "");
        putPolicy(prefix + "ae", policy(exactly(exchange), "exchanges", 0,
                "{\"alternate-exchange\":\"" + alternate + "\"}"));
        await().atMost(APPLIED).until(() -> (prefix + "ae").equals(
                target.get("exchanges/%2F/" + segment(exchange)).path("policy").asText()));
        assertThat(queueJson(unrouted).path("policy").asText()).as("apply-to exchanges leaves queues alone")
                .isNotEqualTo(prefix + "ae");

        channel.confirmSelect();
        channel.basicPublish(exchange, "nobody-binds-this", new AMQP.BasicProperties(), "kept".getBytes(StandardCharsets.UTF_8));
        channel.waitForConfirmsOrDie(10_000);
        await().atMost(APPLIED).until(() -> depth(unrouted) == 1);
    }

    @Test
    void shouldImportARabbitMqVhostExportWhosePoliciesTakeEffect() throws Exception {
        String vhost = prefix + "import";
        assertStatus(target.send("PUT", "vhosts/" + segment(vhost), null), 201);
        try {
            // 204 from RabbitMQ, which grants the vhost's creator full permissions already.
            assertThat(target.send("PUT", "permissions/" + segment(vhost) + "/guest",
                    "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}").statusCode()).isIn(201, 204);
            String export;
            try (var in = getClass().getResourceAsStream("/definitions/rabbitmq-3.10.8-vhost-policies-export.json")) {
                export = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            HttpResponse<String> imported = target.send("POST", "definitions/" + segment(vhost), export);
            assertThat(imported.statusCode()).as(imported.body()).isIn(201, 204);
            JsonNode listed = target.get("policies/" + segment(vhost));
            assertThat(listed.findValuesAsText("name")).containsExactlyInAnyOrder("everything-lazy", "orders-unrouted",
                    "orders-limits");

            try (Connection other = target.connect("policies-import", "guest", "guest", vhost)) {
                Channel ch = other.createChannel();
                ch.confirmSelect();
                for (int i = 0; i < 5; i++) {
                    ch.basicPublish("orders.in", "new", null, ("o" + i).getBytes(StandardCharsets.UTF_8));
                }
                ch.basicPublish("orders.in", "unknown-key", null, "stray".getBytes(StandardCharsets.UTF_8));
                ch.waitForConfirmsOrDie(10_000);
                // orders-limits (priority 7 over everything-lazy): max-length 2, dead-lettered to orders.dlx.
                await().atMost(APPLIED).until(() -> ch.queueDeclarePassive("orders").getMessageCount() == 2
                        && ch.queueDeclarePassive("orders.dead").getMessageCount() == 3);
                // orders-unrouted: the alternate exchange of orders.in.
                await().atMost(APPLIED).until(() -> ch.queueDeclarePassive("orders.unrouted").getMessageCount() == 1);
            }
        } finally {
            target.send("DELETE", "vhosts/" + segment(vhost), null);
        }
    }

    @Test
    void shouldRefuseBadDefinitionsWithRabbitMqsTexts() {
        String path = "policies/%2F/" + segment(prefix + "bad");
        // RabbitMQ escapes the Erlang terms of /api/policies' texts as HTML (not those of operator policies).
        assertBadRequest(target.send("PUT", path, policy("^x", "all", 0, "{\"message-ttl\":\"x\"}")),
                "Validation failed\n\n&lt;&lt;\"x\"&gt;&gt; is not a valid message TTL\n");
        assertBadRequest(target.send("PUT", path, policy("^x", "all", 0, "{\"max-length\":-1}")),
                "Validation failed\n\n-1 is not a valid maximum length\n");
        assertBadRequest(target.send("PUT", path, policy("^x", "all", 0, "{\"foo\":2,\"bar\":\"b\"}")),
                "Validation failed\n\n[{&lt;&lt;\"bar\"&gt;&gt;,&lt;&lt;\"b\"&gt;&gt;},{&lt;&lt;\"foo\"&gt;&gt;,2}] are not recognised policy settings\n");
        assertBadRequest(target.send("PUT", path, policy("^x", "all", 0, "{\"overflow\":\"foo\"}")),
                "Validation failed\n\n&lt;&lt;\"foo\"&gt;&gt; is not a valid overflow value\n");
        assertBadRequest(target.send("PUT", path, policy("^x", "nothing", 0, "{}")),
                "Validation failed\n\nno policy provided\napply-to 'nothing' unrecognised; should be 'queues', 'exchanges' or 'all'\n");
        assertBadRequest(target.send("PUT", path, "{\"pattern\":\"^x\",\"definition\":{\"max-length\":1},\"priority\":\"x\"}"),
                "Validation failed\n\npriority should be a number, actually was &lt;&lt;\"x\"&gt;&gt;\n");
        assertBadRequest(target.send("PUT", path, "{\"definition\":{\"max-length\":1}}"), "[{key_missing,pattern}]");
        // Operator policies take limits only.
        assertBadRequest(target.send("PUT", "operator-policies/%2F/" + segment(prefix + "bad"),
                        policy("^x", "all", 0, "{\"dead-letter-exchange\":\"x\"}")),
                "Validation failed\n\n[{<<\"dead-letter-exchange\">>,<<\"x\">>}] are not recognised policy settings\n");
        assertStatus(target.send("GET", path, null), 404);
        assertStatus(target.send("DELETE", path, null), 404);
        HttpResponse<String> noVhost = target.send("PUT", "policies/" + segment(prefix + "nowhere") + "/p",
                policy("^x", "all", 0, "{\"max-length\":1}"));
        assertStatus(noVhost, 404);
        assertThat(ManagementTarget.parse(noVhost.body()).path("reason").asText()).isEqualTo("vhost_not_found");
    }

    private static void assertBadRequest(HttpResponse<String> response, String reason) {
        assertStatus(response, 400);
        JsonNode error = ManagementTarget.parse(response.body());
        assertThat(error.path("error").asText()).isEqualTo("bad_request");
        assertThat(error.path("reason").asText()).isEqualTo(reason);
    }

    @Test
    void shouldLetPolicymakersSetPoliciesAndOthersOnlyListThem() {
        String policymaker = prefix + "maker";
        String monitor = prefix + "monitor";
        for (String[] user : new String[][] {{policymaker, "policymaker"}, {monitor, "monitoring"}}) {
            assertStatus(target.send("PUT", "users/" + segment(user[0]),
                    "{\"password\":\"pw\",\"tags\":\"" + user[1] + "\"}"), 201);
            assertStatus(target.send("PUT", "permissions/%2F/" + segment(user[0]),
                    "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}"), 201);
        }
        try {
            String path = "policies/%2F/" + segment(prefix + "made");
            assertStatus(target.sendAs(policymaker, "pw", "PUT", path, policy("^" + prefix + "made", "all", 0,
                    "{\"max-length\":9}")), 201);
            policies.add(prefix + "made");
            assertStatus(target.sendAs(policymaker, "pw", "GET", path, null), 200);
            assertStatus(target.sendAs(policymaker, "pw", "PUT", "operator-policies/%2F/" + segment(prefix + "op"),
                    policy("^x", "all", 0, "{\"max-length\":9}")), 401);

            HttpResponse<String> refused = target.sendAs(monitor, "pw", "PUT", path,
                    policy("^x", "all", 0, "{\"max-length\":1}"));
            assertStatus(refused, 401);
            assertThat(ManagementTarget.parse(refused.body()).path("reason").asText())
                    .isEqualTo("User not authorised to access object");
            HttpResponse<String> listed = target.sendAs(monitor, "pw", "GET", "policies/%2F", null);
            assertStatus(listed, 200);
            assertThat(listed.body()).contains("\"name\":\"" + prefix + "made\"");
        } finally {
            target.send("DELETE", "users/" + segment(policymaker), null);
            target.send("DELETE", "users/" + segment(monitor), null);
        }
    }
}
