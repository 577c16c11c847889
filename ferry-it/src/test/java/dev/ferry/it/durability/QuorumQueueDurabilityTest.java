package dev.ferry.it.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;

import dev.ferry.it.support.AmqpTestBase;
import dev.ferry.it.support.BrokerProcess;

/**
 * A quorum queue across SIGKILL: its definition comes back as a quorum queue with its arguments
 * (so the rules of the type and its default delivery limit still hold), and every confirmed
 * message comes back, transient ones included, since a quorum queue keeps every message on disk.
 */
class QuorumQueueDurabilityTest extends BrokerProcessTestBase {

    private static Map<String, Object> quorumArguments() {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("x-queue-type", "quorum");
        arguments.put("x-dead-letter-exchange", "");
        arguments.put("x-dead-letter-routing-key", "parked");
        return arguments;
    }

    @Test
    void shouldKeepAQuorumQueuesDefinitionAndEveryConfirmedMessageAcrossSigkill() throws Exception {
        BrokerProcess broker = start(DurabilityTest.FAST_CHECKPOINTS);
        Channel channel = channel(broker);
        channel.queueDeclare("parked", true, false, false, null);
        channel.queueDeclare("orders", true, false, false, quorumArguments());
        channel.queueDeclare("classic", true, false, false, null);
        channel.confirmSelect();
        for (int i = 0; i < 20; i++) {
            // Even bodies persistent, odd ones transient: a quorum queue keeps both.
            AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().deliveryMode(i % 2 == 0 ? 2 : 1).build();
            channel.basicPublish("", "orders", properties, ("o" + i).getBytes(StandardCharsets.UTF_8));
            channel.basicPublish("", "classic", properties, ("c" + i).getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);
        broker.kill();

        broker = start(DurabilityTest.FAST_CHECKPOINTS);
        channel = channel(broker);
        List<String> orders = new ArrayList<>();
        List<Integer> deliveryModes = new ArrayList<>();
        GetResponse response;
        while ((response = channel.basicGet("orders", true)) != null) {
            orders.add(new String(response.getBody(), StandardCharsets.UTF_8));
            deliveryModes.add(response.getProps().getDeliveryMode());
        }
        assertThat(orders).containsExactlyElementsOf(DurabilityTest.bodies("o", 20));
        for (int i = 0; i < 20; i++) {
            assertThat(deliveryModes.get(i)).as("delivery mode of o" + i).isEqualTo(i % 2 == 0 ? 2 : 1);
        }
        // A classic durable queue keeps only the persistent ones, as RabbitMQ's do.
        List<String> classic = new ArrayList<>();
        while ((response = channel.basicGet("classic", true)) != null) {
            classic.add(new String(response.getBody(), StandardCharsets.UTF_8));
        }
        assertThat(classic).containsExactly("c0", "c2", "c4", "c6", "c8", "c10", "c12", "c14", "c16", "c18");

        // The definition is still a quorum queue's: same arguments pass, another type does not.
        channel.queueDeclare("orders", true, false, false, quorumArguments());
        Channel classicRedeclare = channel(broker);
        Throwable thrown = catchThrowable(() -> classicRedeclare.queueDeclare("orders", true, false, false,
                Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "parked")));
        assertThat(AmqpTestBase.replyCode(thrown)).isEqualTo(406);
        assertThat(AmqpTestBase.replyText(thrown)).contains("inequivalent arg 'x-queue-type'");

        // And its default delivery limit (20, RabbitMQ 4) still applies after the restart.
        channel.basicPublish("", "orders", null, "poison".getBytes(StandardCharsets.UTF_8));
        for (int returns = 0; returns <= 20; returns++) {
            // A reject is applied before a later get on the same channel reaches the queue.
            GetResponse delivered = channel.basicGet("orders", false);
            assertThat(delivered).as("delivery after %d returns", returns).isNotNull();
            channel.basicReject(delivered.getEnvelope().getDeliveryTag(), true);
        }
        Channel probe = channel;
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.queueDeclarePassive("parked").getMessageCount() == 1);
        GetResponse parked = channel.basicGet("parked", true);
        assertThat(new String(parked.getBody(), StandardCharsets.UTF_8)).isEqualTo("poison");
    }
}
