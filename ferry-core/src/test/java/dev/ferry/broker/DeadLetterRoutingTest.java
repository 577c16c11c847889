package dev.ferry.broker;

import dev.ferry.error.ErrorCode;
import dev.ferry.error.BrokerException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.GetResult;
import dev.ferry.queue.ManualQueueTimer;
import dev.ferry.queue.SettleOutcome;

/** Dead letters republished through a virtual host's exchanges, including RabbitMQ's cycle rule. */
class DeadLetterRoutingTest {
    private static final long CONNECTION = 1;
    private static final ChannelRef CHANNEL = new ChannelRef(CONNECTION, 1);

    private final ManualQueueTimer timer = new ManualQueueTimer(1_700_000_000_000L);
    private final VirtualHost vhost = new VirtualHost("/", () -> Runnable::run, timer);

    private void declare(String name, Map<String, Object> arguments) {
        vhost.declareQueue(new QueueDeclaration(name, false, false, false, arguments, CONNECTION));
    }

    private static Message message(String routingKey, String body) {
        return new Message("", routingKey, MessageProperties.EMPTY, body.getBytes(StandardCharsets.UTF_8));
    }

    private GetResult get(String queue) {
        return vhost.get(queue, CHANNEL, false).join();
    }

    @Test
    void shouldRouteADeadLetterThroughTheDeadLetterExchangeToItsQueue() {
        vhost.declareExchange("dlx", "direct", false, false, false, Map.of());
        declare("dlq", Map.of());
        vhost.bindQueue("dlq", "dlx", "work", Map.of(), CONNECTION);
        declare("work", Map.of("x-dead-letter-exchange", "dlx"));
        vhost.publish(message("work", "bad"), false);

        GetResult delivered = get("work");
        delivered.delivery().orElseThrow().queue().settle(CHANNEL, delivered.delivery().get().deliveryId(), SettleOutcome.DISCARD);

        GetResult parked = get("dlq");
        assertThat(new String(parked.delivery().orElseThrow().message().body(), StandardCharsets.UTF_8)).isEqualTo("bad");
        assertThat(parked.delivery().get().message().exchange()).isEqualTo("dlx");
    }

    @Test
    void shouldDropADeadLetterWhoseExchangeDoesNotExist() {
        declare("work", Map.of("x-dead-letter-exchange", "missing", "x-message-ttl", 10));
        vhost.publish(message("work", "a"), false);
        timer.advance(10);
        assertThat(get("work").isEmpty()).isTrue();
    }

    @Test
    void shouldDropAMessageThatWouldExpireInACycleButNotOneAConsumerRejected() {
        // a expires into b, b expires back into a: a second lap with no reject is a cycle.
        declare("a", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "b", "x-message-ttl", 10));
        declare("b", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "a", "x-message-ttl", 10));
        vhost.publish(message("a", "looping"), false);

        timer.advance(10);
        assertThat(vhost.queue("b").orElseThrow().messageCount()).isEqualTo(1);
        timer.advance(10);
        assertThat(vhost.queue("a").orElseThrow().messageCount()).as("dropped instead of looping").isZero();
        assertThat(vhost.queue("b").orElseThrow().messageCount()).isZero();

        // A reject in the loop makes it a client's decision: RabbitMQ lets it go round.
        declare("c", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "c"));
        vhost.publish(message("c", "rejected"), false);
        for (int lap = 1; lap <= 3; lap++) {
            GetResult result = get("c");
            assertThat(result.isEmpty()).as("lap " + lap).isFalse();
            result.delivery().get().queue().settle(CHANNEL, result.delivery().get().deliveryId(), SettleOutcome.DISCARD);
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> deaths = (List<Map<String, Object>>) get("c").delivery().orElseThrow()
                .message().properties().headers().get("x-death");
        assertThat(deaths).singleElement().satisfies(d -> assertThat(d).containsEntry("count", 3L));
    }

    @Test
    void shouldRefuseAnInvalidExpirationAtPublish() {
        declare("q", Map.of());
        Message invalid = new Message("", "q", MessageProperties.EMPTY.withExpiration("later"), new byte[0]);
        assertThatThrownBy(() -> vhost.publish(invalid, false)).isInstanceOf(BrokerException.class)
                .satisfies(e -> assertThat(((BrokerException) e).errorCode()).isEqualTo(ErrorCode.PRECONDITION_FAILED));
    }

    @Test
    void shouldCountARedeclareAsUseForExpires() {
        declare("idle", Map.of("x-expires", 1000));
        timer.advance(900);
        declare("idle", Map.of("x-expires", 1000));
        timer.advance(900);
        assertThat(vhost.queue("idle")).isPresent();
        timer.advance(100);
        assertThat(vhost.queue("idle")).isEmpty();
    }
}
