package dev.ferry.it.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;

import dev.ferry.it.support.BrokerProcess;

/**
 * x-dead-letter-strategy at-least-once on a quorum queue: the source keeps a dead letter until the
 * queues it reaches have stored it. One that reaches no queue stays (not lost, as at-most-once
 * would lose it) and is routed again every --dead-letter-retry-ms; a broker stopped meanwhile
 * brings it back. These need their own broker processes (a short retry interval, a restart), so
 * they run against Ferry only; RabbitMQ retries after its 180 s publisher-confirm timeout.
 */
class AtLeastOnceDeadLetterTest extends BrokerProcessTestBase {
    private static final String[] FAST_RETRY = {"--dead-letter-retry-ms", "200", "--ack-checkpoint-interval-ms", "200"};

    private static Map<String, Object> atLeastOnce(String deadLetterExchange) {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("x-queue-type", "quorum");
        arguments.put("x-overflow", "reject-publish");
        arguments.put("x-dead-letter-exchange", deadLetterExchange);
        arguments.put("x-dead-letter-strategy", "at-least-once");
        return arguments;
    }

    /** Publishes one confirmed persistent message to {@code queue}, takes it with basic.get and rejects it. */
    private static void publishAndReject(Channel channel, String queue, String body) throws Exception {
        channel.confirmSelect();
        channel.basicPublish("", queue, MessageProperties.PERSISTENT_BASIC, body.getBytes(StandardCharsets.UTF_8));
        channel.waitForConfirmsOrDie(10_000);
        GetResponse response = channel.basicGet(queue, false);
        assertThat(response).as("the message just published").isNotNull();
        channel.basicReject(response.getEnvelope().getDeliveryTag(), false);
        // basic.reject has no reply; a passive declare that the queue answers after it has seen the reject.
        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isZero();
    }

    private static String body(GetResponse response) {
        return new String(response.getBody(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldRouteADeadLetterThatReachedNoQueueOnceAQueueIsBound() throws Exception {
        BrokerProcess broker = start(FAST_RETRY);
        Channel channel = channel(broker);
        channel.exchangeDeclare("dlx", BuiltinExchangeType.FANOUT, true);
        channel.queueDeclare("work", true, false, false, atLeastOnce("dlx"));
        publishAndReject(channel, "work", "order-1");

        // Nothing is bound to the dead-letter exchange yet: at-most-once would have dropped it here.
        channel.queueDeclare("parked", true, false, false, null);
        channel.queueBind("parked", "dlx", "");

        GetResponse parked = await().atMost(Duration.ofSeconds(20)).until(() -> channel.basicGet("parked", true),
                response -> response != null);
        assertThat(body(parked)).isEqualTo("order-1");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> deaths = (List<Map<String, Object>>) parked.getProps().getHeaders().get("x-death");
        assertThat(deaths).hasSize(1);
        assertThat(deaths.get(0).get("reason").toString()).isEqualTo("rejected");
        assertThat(deaths.get(0).get("count")).isEqualTo(1L);
        assertThat(channel.queueDeclarePassive("work").getMessageCount()).isZero();
        assertThat(broker.output()).anyMatch(line -> line.contains("WARN") && line.contains("reached no queue"));
    }

    @Test
    void shouldBringBackADeadLetterItCouldNotHandOverAfterARestart() throws Exception {
        BrokerProcess broker = start(FAST_RETRY);
        Channel channel = channel(broker);
        channel.exchangeDeclare("dlx", BuiltinExchangeType.FANOUT, true);
        channel.queueDeclare("work", true, false, false, atLeastOnce("dlx"));
        publishAndReject(channel, "work", "order-2");
        // A clean stop writes every settlement: a dead letter that had been let go would be gone now.
        assertThat(broker.terminate()).isZero();

        broker = start(FAST_RETRY);
        Channel after = channel(broker);
        GetResponse back = after.basicGet("work", true);
        assertThat(back).as("the dead letter no queue took").isNotNull();
        assertThat(body(back)).isEqualTo("order-2");
    }

    @Test
    void shouldLetGoOfADeadLetterOnceItsTargetStoredIt() throws Exception {
        BrokerProcess broker = start(FAST_RETRY);
        Channel channel = channel(broker);
        channel.exchangeDeclare("dlx", BuiltinExchangeType.FANOUT, true);
        channel.queueDeclare("parked", true, false, false, null);
        channel.queueBind("parked", "dlx", "");
        channel.queueDeclare("work", true, false, false, atLeastOnce("dlx"));
        publishAndReject(channel, "work", "order-3");
        await().atMost(Duration.ofSeconds(10)).until(() -> channel.queueDeclarePassive("parked").getMessageCount() == 1);
        assertThat(broker.terminate()).isZero();

        broker = start(FAST_RETRY);
        Channel after = channel(broker);
        assertThat(after.basicGet("work", true)).as("nothing left in the source").isNull();
        GetResponse parked = after.basicGet("parked", true);
        assertThat(parked).isNotNull();
        assertThat(body(parked)).isEqualTo("order-3");
        assertThat(after.basicGet("parked", true)).as("exactly one copy").isNull();
    }
}
