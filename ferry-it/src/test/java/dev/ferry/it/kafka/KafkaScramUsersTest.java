package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.it.support.BrokerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.DuplicateResourceException;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka's user credential APIs against a broker process on SASL_PLAINTEXT: an administrator makes a
 * user with kafka-clients' Admin and the user logs in with it (SCRAM and PLAIN), across SIGKILL;
 * credentials are deleted per mechanism; refusals come in Kafka's words; {@code kafka-configs}
 * describes users as against Kafka 4.3.1 (checked by hand with the same commands there).
 */
class KafkaScramUsersTest {
    private static final String ADMIN_PASSWORD = "admin-pass";
    private static Path data;
    private static Path definitions;
    private static BrokerProcess broker;

    @BeforeAll
    static void startBroker() throws Exception {
        Path work = Files.createTempDirectory("ferry-kafka-scram");
        data = work.resolve("data");
        definitions = work.resolve("definitions.json");
        Files.writeString(definitions, """
                {"users": [
                  {"name": "admin", "password": "%1$s", "tags": "administrator"},
                  {"name": "bob", "password": "%1$s", "tags": ""}
                ]}""".formatted(ADMIN_PASSWORD));
        broker = start();
    }

    private static BrokerProcess start() throws Exception {
        return BrokerProcess.start(data, "--kafka-security-protocol", "SASL_PLAINTEXT", "--definitions",
                definitions.toString());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.terminate();
        }
    }

    private static Map<String, Object> login(String mechanism, String user, String password) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.kafkaPort());
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        settings.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        settings.put(SaslConfigs.SASL_MECHANISM, mechanism);
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        settings.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + user + "\" password=\""
                + password + "\";");
        return settings;
    }

    private static Admin admin(String mechanism, String user, String password) {
        Properties properties = new Properties();
        properties.putAll(login(mechanism, user, password));
        return Admin.create(properties);
    }

    private static Admin administrator() {
        return admin("SCRAM-SHA-256", "admin", ADMIN_PASSWORD);
    }

    /** Whether {@code user} can log in with {@code mechanism} and {@code password} (a describeCluster answered). */
    private static boolean logsIn(String mechanism, String user, String password) throws Exception {
        try (Admin admin = admin(mechanism, user, password)) {
            admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SaslAuthenticationException.class);
            return false;
        }
    }

    private static void alter(Admin admin, UserScramCredentialAlteration... alterations) throws Exception {
        admin.alterUserScramCredentials(List.of(alterations)).all().get(30, TimeUnit.SECONDS);
    }

    @Test
    void shouldLetAUserMadeByAnAdministratorLogInUntilItsCredentialIsDeleted() throws Exception {
        try (Admin admin = administrator()) {
            alter(admin, new UserScramCredentialUpsertion("carol", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256,
                    8192), "carol-pass"));
            alter(admin, new UserScramCredentialUpsertion("carol", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512,
                    4096), "carol-512"));
            UserScramCredentialsDescription carol = admin.describeUserScramCredentials(List.of("carol"))
                    .description("carol").get(30, TimeUnit.SECONDS);
            assertThat(carol.credentialInfos()).containsExactlyInAnyOrder(
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192),
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096));
            assertThat(admin.describeUserScramCredentials().users().get(30, TimeUnit.SECONDS))
                    .contains("carol", "admin", "bob");
        }
        assertThat(logsIn("SCRAM-SHA-256", "carol", "carol-pass")).isTrue();
        assertThat(logsIn("SCRAM-SHA-512", "carol", "carol-512")).isTrue();
        assertThat(logsIn("PLAIN", "carol", "carol-pass")).as("the SCRAM-SHA-256 password is the user's password").isTrue();
        assertThat(logsIn("SCRAM-SHA-256", "carol", "carol-512")).isFalse();

        broker.kill();
        broker = start();
        assertThat(logsIn("SCRAM-SHA-256", "carol", "carol-pass")).as("kept across SIGKILL").isTrue();

        try (Admin admin = administrator()) {
            alter(admin, new UserScramCredentialDeletion("carol", ScramMechanism.SCRAM_SHA_256));
            assertThat(admin.describeUserScramCredentials(List.of("carol")).description("carol")
                    .get(30, TimeUnit.SECONDS).credentialInfos())
                    .containsExactly(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096));
            assertThatThrownBy(() -> alter(admin, new UserScramCredentialDeletion("carol", ScramMechanism.SCRAM_SHA_256)))
                    .hasCauseInstanceOf(ResourceNotFoundException.class)
                    .hasMessageContaining("Attempt to delete a user credential that does not exist");
            assertThatThrownBy(() -> admin.describeUserScramCredentials(List.of("nobody")).description("nobody")
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(ResourceNotFoundException.class);
        }
        assertThat(logsIn("SCRAM-SHA-256", "carol", "carol-pass")).isFalse();
        assertThat(logsIn("SCRAM-SHA-512", "carol", "carol-512")).isTrue();
    }

    @Test
    void shouldRefuseWhatKafkaRefusesInItsWords() throws Exception {
        try (Admin admin = administrator()) {
            assertThatThrownBy(() -> alter(admin,
                    new UserScramCredentialUpsertion("dave", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192),
                            "dave-pass"),
                    new UserScramCredentialUpsertion("dave", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192),
                            "dave-pass")))
                    .hasCauseInstanceOf(DuplicateResourceException.class)
                    .hasMessageContaining("A user credential cannot be altered twice in the same request");
            assertThatThrownBy(() -> alter(admin, new UserScramCredentialUpsertion("dave",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 20_000), "dave-pass")))
                    .hasCauseInstanceOf(UnacceptableCredentialException.class).hasMessageContaining("Too many iterations");
            assertThat(admin.describeUserScramCredentials().users().get(30, TimeUnit.SECONDS)).doesNotContain("dave");
        }
        try (Admin bob = admin("SCRAM-SHA-256", "bob", ADMIN_PASSWORD)) {
            assertThatThrownBy(() -> alter(bob, new UserScramCredentialUpsertion("bob",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), "taken-over")))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> bob.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
        }
        assertThat(logsIn("SCRAM-SHA-256", "bob", ADMIN_PASSWORD)).isTrue();

        // An ACL may grant it to a user without the administrator tag.
        AclBinding bobDescribes = new AclBinding(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster",
                PatternType.LITERAL), new AccessControlEntry("User:bob", "*", AclOperation.DESCRIBE, AclPermissionType.ALLOW));
        try (Admin admin = administrator()) {
            admin.createAcls(List.of(bobDescribes)).all().get(30, TimeUnit.SECONDS);
        }
        try (Admin bob = admin("SCRAM-SHA-256", "bob", ADMIN_PASSWORD)) {
            assertThat(bob.describeUserScramCredentials().users().get(30, TimeUnit.SECONDS)).contains("admin", "bob");
        } finally {
            try (Admin admin = administrator()) {
                admin.deleteAcls(List.of(bobDescribes.toFilter())).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void shouldKeepScramCredentialsThroughADefinitionsExportAndImport() throws Exception {
        try (Admin admin = administrator()) {
            alter(admin, new UserScramCredentialUpsertion("frank", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512,
                    4096), "frank-512"));
        }
        HttpResponse<String> export = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + broker.httpPort() + "/api/definitions"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        ("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.body()).contains("scram_credentials");
        Path exported = data.resolveSibling("exported.json");
        Files.writeString(exported, export.body());

        // Another broker made from the export alone: a user made through Kafka (SCRAM-SHA-512 only) and
        // one made with a password (whose RabbitMQ hash alone could not give SCRAM back) both log in.
        BrokerProcess first = broker;
        broker = BrokerProcess.start(data.resolveSibling("imported"), "--kafka-security-protocol", "SASL_PLAINTEXT",
                "--definitions", exported.toString());
        try {
            assertThat(logsIn("SCRAM-SHA-512", "frank", "frank-512")).isTrue();
            assertThat(logsIn("SCRAM-SHA-256", "admin", ADMIN_PASSWORD)).isTrue();
            assertThat(logsIn("PLAIN", "admin", ADMIN_PASSWORD)).isTrue();
            assertThat(logsIn("SCRAM-SHA-512", "frank", "wrong")).isFalse();
        } finally {
            broker.terminate();
            broker = first;
        }
    }

    @Test
    void shouldServeKafkaConfigsForUsers() throws Exception {
        Path script = Path.of("..", "ferry-bench", "scripts", "kafka-classpath.sh").toAbsolutePath().normalize();
        Process resolve = new ProcessBuilder("bash", script.toString(), "4.3.1")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String classpath = new String(resolve.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(resolve.waitFor(10, TimeUnit.MINUTES)).isTrue();
        Path commandConfig = data.resolveSibling("admin.properties");
        Files.writeString(commandConfig, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" "
                + "password=\"" + ADMIN_PASSWORD + "\";\n");

        assertThat(configs(classpath, commandConfig, "--alter", "--entity-type", "users", "--entity-name", "erin",
                "--add-config", "SCRAM-SHA-256=[iterations=8192,password=erin-pass]"))
                .contains("Completed updating config for user erin.");
        assertThat(configs(classpath, commandConfig, "--describe", "--entity-type", "users", "--entity-name", "erin"))
                .contains("SCRAM credential configs for user-principal 'erin' are SCRAM-SHA-256=iterations=8192");
        assertThat(configs(classpath, commandConfig, "--describe", "--entity-type", "clients")).doesNotContain("Error");
        assertThat(logsIn("SCRAM-SHA-256", "erin", "erin-pass")).isTrue();
    }

    private static String configs(String classpath, Path commandConfig, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", classpath, "kafka.admin.ConfigCommand",
                "--bootstrap-server", "127.0.0.1:" + broker.kafkaPort(), "--command-config", commandConfig.toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        return out;
    }
}
