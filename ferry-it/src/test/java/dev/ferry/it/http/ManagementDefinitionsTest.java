package dev.ferry.it.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/definitions}: a document exported from RabbitMQ 3.10.8 (recorded from an isolated
 * node, {@code ferry-bench/rabbitmq-node.sh start DIR 5795 15795}, set up through its management
 * API and exported with {@code curl .../api/definitions}: users with sha256 hashes and limits, a
 * vhost with a limit, permissions, topic permissions, classic and quorum queues, topic and fanout
 * exchanges, an exchange-to-exchange binding) imported into a fresh broker: its users log in with
 * their passwords and an AMQP publish is routed as in RabbitMQ; Ferry's export imports into another
 * fresh broker to the same definitions; bad documents are refused whole.
 *
 * <p>Each test has a broker of its own (the import changes guest's hash and adds a vhost). Runs
 * against RabbitMQ with {@code -Dferry.it.http} / {@code -Dferry.it.amqp}; the refusals RabbitMQ
 * does not make (it accepts an unknown hashing algorithm and skips a binding to a missing queue)
 * are Ferry's on purpose.
 */
class ManagementDefinitionsTest {
    private static final String EXPORT = "/definitions/rabbitmq-3.10.8-export.json";

    private final List<ManagementTarget> targets = new ArrayList<>();
    private ManagementTarget target;

    @BeforeEach
    void start() {
        target = started();
    }

    private ManagementTarget started() {
        ManagementTarget started = ManagementTarget.startEmbedded();
        targets.add(started);
        return started;
    }

    @AfterEach
    void stop() {
        targets.forEach(ManagementTarget::close);
    }

    private static String rabbitMqExport() throws IOException {
        try (InputStream in = ManagementDefinitionsTest.class.getResourceAsStream(EXPORT)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void assertStatus(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    }

    private static String bodyOf(GetResponse response) {
        return response == null ? null : new String(response.getBody(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldImportARabbitMqExportSoItsUsersLogInAndItsTopologyRoutes() throws Exception {
        assertStatus(target.send("POST", "definitions", rabbitMqExport()), 204);

        assertStatus(target.sendAs("alice", "alice-secret", "GET", "whoami", null), 200);
        assertStatus(target.sendAs("bob", "bob-secret", "GET", "whoami", null), 200);
        assertStatus(target.sendAs("bob", "wrong", "GET", "whoami", null), 401);
        String tag = UUID.randomUUID().toString();
        try (Connection alice = target.connect("defs-alice", "alice", "alice-secret", "shop")) {
            Channel channel = alice.createChannel();
            for (String queue : List.of("orders.eu", "orders.us", "audit.log")) {
                channel.queuePurge(queue); // a RabbitMQ node may hold an earlier run's messages
            }
            channel.confirmSelect();
            channel.basicPublish("orders", "eu.paris", null, ("eu-" + tag).getBytes(StandardCharsets.UTF_8));
            channel.basicPublish("orders", "us.boston", null, ("us-" + tag).getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(10_000);

            assertThat(bodyOf(channel.basicGet("orders.eu", true))).isEqualTo("eu-" + tag);
            assertThat(channel.basicGet("orders.eu", true)).isNull();
            assertThat(bodyOf(channel.basicGet("orders.us", true))).isEqualTo("us-" + tag);
            // orders -> audit (exchange to exchange, "#") -> audit.log (fanout): both messages.
            assertThat(bodyOf(channel.basicGet("audit.log", true))).isEqualTo("eu-" + tag);
            assertThat(bodyOf(channel.basicGet("audit.log", true))).isEqualTo("us-" + tag);
        }
        // bob's permissions and topic permissions came along: "^orders$" write, topic "^eu\." only.
        try (Connection bob = target.connect("defs-bob", "bob", "bob-secret", "shop")) {
            Channel channel = bob.createChannel();
            channel.basicPublish("orders", "us.denver", null, new byte[0]);
            org.awaitility.Awaitility.await().until(() -> !channel.isOpen());
            assertThat(channel.getCloseReason().getMessage()).contains("403");
        }

        JsonNode exported = target.get("definitions");
        assertThat(find(exported.path("users"), "name", "bob").path("limits").path("max-channels").asInt())
                .isEqualTo(20);
        assertThat(find(exported.path("users"), "name", "alice").path("password_hash").asText())
                .isEqualTo("uIJCBb83zSdpwxJudv0RE7HDc/5a7pNH6O8B7GEF4c07vb/Q");
        assertThat(find(exported.path("parameters"), "vhost", "shop").path("value").path("max-connections").asInt())
                .isEqualTo(50);
        assertThat(find(exported.path("topic_permissions"), "user", "bob").path("write").asText()).isEqualTo("^eu\\.");
        assertThat(find(exported.path("queues"), "name", "orders.us").path("arguments").path("x-queue-type").asText())
                .isEqualTo("quorum");
    }

    @Test
    void shouldExportWhatAFreshBrokerImportsToTheSameDefinitions() throws Exception {
        assertStatus(target.send("POST", "definitions", rabbitMqExport()), 204);
        String exported = target.send("GET", "definitions", null).body();
        JsonNode first = ManagementTarget.parse(exported);
        assertThat(first.path("product_version").asText()).isNotEmpty();
        assertThat(first.path("exchanges").toString()).doesNotContain("\"amq.");

        ManagementTarget fresh = started();
        assertStatus(fresh.send("POST", "definitions", exported), 204);
        JsonNode second = fresh.get("definitions");

        for (String section : List.of("users", "vhosts", "permissions", "topic_permissions", "parameters", "queues",
                "exchanges", "bindings")) {
            assertThat(sorted(second.path(section))).as(section).isEqualTo(sorted(first.path(section)));
        }
        try (Connection alice = fresh.connect("defs-alice-2", "alice", "alice-secret", "shop")) {
            Channel channel = alice.createChannel();
            channel.queuePurge("orders.eu");
            channel.confirmSelect();
            channel.basicPublish("orders", "eu.rome", null, "rome".getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(10_000);
            assertThat(bodyOf(channel.basicGet("orders.eu", true))).isEqualTo("rome");
        }
    }

    /**
     * Ferry's export imported by RabbitMQ: only with {@code -Dferry.it.rabbitmq.http=http://127.0.0.1:15795}
     * (a node of {@code ferry-bench/rabbitmq-node.sh}, guest/guest) while the target is Ferry. The
     * vhost RabbitMQ then exports must be the one Ferry exported.
     */
    @Test
    void shouldExportWhatRabbitMqImportsToTheSameVirtualHost() throws Exception {
        String rabbitMq = System.getProperty("ferry.it.rabbitmq.http", "");
        org.junit.jupiter.api.Assumptions.assumeTrue(target.isFerry() && !rabbitMq.isBlank(),
                "needs -Dferry.it.rabbitmq.http and a Ferry target");
        String vhost = "from-ferry-" + UUID.randomUUID().toString().substring(0, 8);
        assertStatus(target.send("POST", "definitions", rabbitMqExport().replace("\"shop\"", "\"" + vhost + "\"")), 204);
        assertStatus(target.send("PUT", "exchanges/" + vhost + "/hdr", "{\"type\":\"headers\",\"durable\":true}"), 201);
        assertStatus(target.send("PUT", "queues/" + vhost + "/ttl.q",
                "{\"durable\":true,\"arguments\":{\"x-message-ttl\":60000,\"x-dead-letter-exchange\":\"audit\"}}"), 201);
        assertStatus(target.send("POST", "bindings/" + vhost + "/e/hdr/q/ttl.q",
                "{\"routing_key\":\"\",\"arguments\":{\"x-match\":\"all\",\"region\":\"eu\"}}"), 201);
        assertStatus(target.send("POST", "bindings/" + vhost + "/e/amq.topic/q/ttl.q", "{\"routing_key\":\"t.#\"}"), 201);
        String exported = target.send("GET", "definitions", null).body();

        System.setProperty("ferry.it.http", rabbitMq);
        ManagementTarget rabbit;
        try {
            rabbit = started();
        } finally {
            System.clearProperty("ferry.it.http");
        }
        assertStatus(rabbit.send("POST", "definitions", exported), 204);
        JsonNode fromFerry = target.get("definitions/" + vhost);
        JsonNode fromRabbitMq = rabbit.get("definitions/" + vhost);
        for (String section : List.of("parameters", "queues", "exchanges", "bindings")) {
            assertThat(sorted(fromRabbitMq.path(section))).as(section).isEqualTo(sorted(fromFerry.path(section)));
        }
        assertStatus(rabbit.sendAs("alice", "alice-secret", "GET", "whoami", null), 200);
        assertStatus(rabbit.send("DELETE", "vhosts/" + vhost, null), 204);
    }

    @Test
    void shouldExportAndImportOneVirtualHostWithoutItsName() throws Exception {
        String solo = "solo-" + UUID.randomUUID().toString().substring(0, 8);
        assertStatus(target.send("PUT", "vhosts/" + solo, null), 201);
        // RabbitMQ grants the creating user every right on a new vhost (204 here), Ferry does not (201).
        assertThat(target.send("PUT", "permissions/" + solo + "/guest",
                "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}").statusCode()).isIn(201, 204);
        String scoped = "{\"exchanges\":[{\"name\":\"in\",\"type\":\"direct\",\"durable\":true,\"auto_delete\":false,"
                + "\"internal\":false,\"arguments\":{}}],"
                + "\"queues\":[{\"name\":\"work\",\"durable\":true,\"auto_delete\":false,\"arguments\":{}}],"
                + "\"bindings\":[{\"source\":\"in\",\"destination\":\"work\",\"destination_type\":\"queue\","
                + "\"routing_key\":\"k\",\"arguments\":{}}]}";
        assertStatus(target.send("POST", "definitions/" + solo, scoped), 204);

        JsonNode exported = target.get("definitions/" + solo);
        assertThat(exported.has("users")).isFalse();
        assertThat(find(exported.path("queues"), "name", "work").has("vhost")).isFalse();
        assertThat(find(exported.path("bindings"), "destination", "work").path("routing_key").asText()).isEqualTo("k");
        assertThat(target.get("queues/" + solo + "/work").path("durable").asBoolean()).isTrue();
        assertStatus(target.send("DELETE", "vhosts/" + solo, null), 204);
    }

    @Test
    void shouldImportTheFileOfAManagementUiUpload() {
        String vhost = "uploaded-" + UUID.randomUUID().toString().substring(0, 8);
        String boundary = "----ferry" + UUID.randomUUID().toString().replace("-", "");
        String upload = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"definitions.json\"\r\n"
                + "Content-Type: application/json\r\n\r\n"
                + "{\"vhosts\":[{\"name\":\"" + vhost + "\"}]}\r\n"
                + "--" + boundary + "--\r\n";

        assertStatus(target.send("POST", "definitions", upload, "Content-Type", "multipart/form-data; boundary=" + boundary),
                204);

        assertStatus(target.send("GET", "vhosts/" + vhost, null), 200);
        assertStatus(target.send("DELETE", "vhosts/" + vhost, null), 204);
    }

    @Test
    void shouldRefuseBadDocumentsAsRabbitMqDoes() throws Exception {
        HttpResponse<String> notJson = target.send("POST", "definitions", "{not json");
        assertStatus(notJson, 400);
        assertThat(ManagementTarget.parse(notJson.body()).path("reason").asText()).isEqualTo("failed_to_parse_json");
        HttpResponse<String> noVhost = target.send("GET", "definitions/no-such-vhost", null);
        assertStatus(noVhost, 400);
        assertThat(ManagementTarget.parse(noVhost.body()).path("reason").asText()).isEqualTo("vhost_not_found");

        assertThat(target.send("PUT", "users/defs-manager", "{\"password\":\"pw\",\"tags\":\"management\"}")
                .statusCode()).isIn(201, 204);
        HttpResponse<String> notAdmin = target.sendAs("defs-manager", "pw", "GET", "definitions", null);
        assertStatus(notAdmin, 401);
        assertThat(ManagementTarget.parse(notAdmin.body()).path("reason").asText()).isEqualTo("Not administrator user");
        assertStatus(target.sendAs("defs-manager", "pw", "POST", "definitions", "{}"), 401);
    }

    @Test
    void shouldRefuseAnUnknownHashingAlgorithmAndChangeNothing() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ 3.10 stores any hashing_algorithm (the user then cannot log in)");
        ObjectNode document = (ObjectNode) ManagementTarget.parse(rabbitMqExport());
        ObjectNode bob = (ObjectNode) find(document.path("users"), "name", "bob");
        bob.put("hashing_algorithm", "rabbit_password_hashing_md4");

        HttpResponse<String> refused = target.send("POST", "definitions", document.toString());

        assertStatus(refused, 400);
        JsonNode error = ManagementTarget.parse(refused.body());
        assertThat(error.path("error").asText()).isEqualTo("bad_request");
        assertThat(error.path("reason").asText()).contains("user 'bob'").contains("rabbit_password_hashing_md4");
        assertStatus(target.send("GET", "users/alice", null), 404);
        assertStatus(target.send("GET", "vhosts/shop", null), 404);
    }

    @Test
    void shouldRefuseABindingToAMissingQueueAndChangeNothing() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ 3.10 skips the binding and imports the rest (204)");
        ObjectNode document = (ObjectNode) ManagementTarget.parse(rabbitMqExport());
        ((ObjectNode) find(document.path("bindings"), "destination", "orders.eu")).put("destination", "orders.asia");

        HttpResponse<String> refused = target.send("POST", "definitions", document.toString());

        assertStatus(refused, 400);
        assertThat(ManagementTarget.parse(refused.body()).path("reason").asText())
                .isEqualTo("binding from exchange 'orders' to queue 'orders.asia' in vhost 'shop': "
                        + "queue 'orders.asia' does not exist");
        assertStatus(target.send("GET", "vhosts/shop", null), 404);
        assertStatus(target.send("GET", "users/alice", null), 404);
        assertThat(target.sendAs("guest", "guest", "GET", "whoami", null).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRefuseAQueueWithArgumentsADeclareRefusesAndChangeNothing() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ 3.10 applies the entries before the refused queue");
        ObjectNode document = (ObjectNode) ManagementTarget.parse(rabbitMqExport());
        ((ObjectNode) find(document.path("queues"), "name", "orders.eu").path("arguments")).put("x-max-length", "many");

        HttpResponse<String> refused = target.send("POST", "definitions", document.toString());

        assertStatus(refused, 400);
        assertThat(ManagementTarget.parse(refused.body()).path("reason").asText())
                .startsWith("queue 'orders.eu' in vhost 'shop': ").contains("x-max-length");
        assertStatus(target.send("GET", "vhosts/shop", null), 404);
        assertStatus(target.send("GET", "users/alice", null), 404);
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode item : array) {
            if (item.path(field).asText().equals(value)) {
                return item;
            }
        }
        throw new AssertionError("no entry with " + field + " = " + value + " in " + array);
    }

    private static final ObjectMapper KEY_ORDER = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /**
     * A section as a sorted list of its entries' JSON with keys in order, since neither broker
     * promises an order of entries (nor of fields).
     */
    private static List<String> sorted(JsonNode section) throws IOException {
        assertThat(section).isInstanceOf(ArrayNode.class);
        List<String> entries = new ArrayList<>();
        for (JsonNode entry : section) {
            entries.add(KEY_ORDER.writeValueAsString(KEY_ORDER.treeToValue(entry, Object.class)));
        }
        entries.sort(null);
        return entries;
    }
}
