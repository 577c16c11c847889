package dev.ferry.it.http;

import static dev.ferry.it.http.ManagementTarget.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.MessageProperties;
import dev.ferry.it.support.BrokerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy set through the API is durable before the API answers: after a SIGKILL of the broker
 * it is still listed and still limits the recovered queue it applied to; a cleared one stays
 * cleared after the next SIGKILL. Ferry only (it kills and restarts its broker).
 */
class PolicyDurabilityTest {
    private static final Duration APPLIED = Duration.ofSeconds(20);
    private static final String QUEUE = "durable-orders";
    private static final String POLICY = "orders-cap";

    @TempDir
    Path dataDir;

    @Test
    void shouldKeepAPolicyAndItsEffectAcrossAKillAndForgetItOnceCleared() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(dataDir)) {
            ManagementTarget target = ManagementTarget.over(broker);
            try (Connection connection = target.connect("policy-durability")) {
                Channel channel = connection.createChannel();
                channel.queueDeclare(QUEUE, true, false, false, null);
                assertThat(target.send("PUT", "policies/%2F/" + POLICY,
                        "{\"pattern\":\"^durable-\",\"apply-to\":\"queues\",\"definition\":{\"max-length\":2}}")
                        .statusCode()).isEqualTo(201);
                publish(channel, 4);
                await().atMost(APPLIED).until(() -> channel.queueDeclarePassive(QUEUE).getMessageCount() == 2);
            }
            broker.kill();
        }

        try (BrokerProcess broker = BrokerProcess.start(dataDir)) {
            ManagementTarget target = ManagementTarget.over(broker);
            assertThat(target.get("policies/%2F").findValuesAsText("name")).containsExactly(POLICY);
            assertThat(target.get("queues/%2F/" + segment(QUEUE)).path("policy").asText()).isEqualTo(POLICY);
            try (Connection connection = target.connect("policy-durability")) {
                Channel channel = connection.createChannel();
                // Trimmed messages settle like acks: a SIGKILL may bring those of the last checkpoint
                // interval back, and the policy trims them again as the queue is restored.
                await().atMost(APPLIED).until(() -> channel.queueDeclarePassive(QUEUE).getMessageCount() == 2);
                publish(channel, 3);
                assertThat(channel.queueDeclarePassive(QUEUE).getMessageCount()).as("still capped").isEqualTo(2);
                assertThat(target.send("DELETE", "policies/%2F/" + POLICY, null).statusCode()).isEqualTo(204);
            }
            broker.kill();
        }

        try (BrokerProcess broker = BrokerProcess.start(dataDir)) {
            ManagementTarget target = ManagementTarget.over(broker);
            assertThat(target.get("policies/%2F").size()).isZero();
            try (Connection connection = target.connect("policy-durability")) {
                Channel channel = connection.createChannel();
                publish(channel, 3);
                // 2 kept + 3 new (plus trimmed ones the SIGKILL may have brought back): a cap would hold 2.
                await().atMost(APPLIED).until(() -> channel.queueDeclarePassive(QUEUE).getMessageCount() >= 5);
            }
        }
    }

    private static void publish(Channel channel, int count) throws Exception {
        channel.confirmSelect();
        for (int i = 0; i < count; i++) {
            channel.basicPublish("", QUEUE, MessageProperties.PERSISTENT_TEXT_PLAIN,
                    ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);
    }
}
