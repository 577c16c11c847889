package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ferry.error.BrokerException;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;

/** The x-death history, RabbitMQ's cycle rule, and the checks on expiration and x-retry-delays. */
class DeathHistoryTest {
    private static final long NOW = 1_700_000_000_500L;

    private static Message published(Map<String, Object> headers) {
        return new Message("ex", "key", MessageProperties.EMPTY.withHeaders(headers), new byte[] {1});
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> deaths(Message message) {
        return (List<Map<String, Object>>) message.properties().headers().get(DeathHistory.X_DEATH);
    }

    @Test
    void shouldListCcAndBccKeysAfterTheRoutingKey() {
        Message dead = DeathHistory.recordDeath(published(Map.of("CC", List.of("c1"), "BCC", List.of("b1"))),
                "q", DeathReason.REJECTED, NOW, "dlx", null);
        assertThat(deaths(dead).get(0)).containsEntry("routing-keys", List.of("key", "c1", "b1"));
        assertThat(deaths(dead).get(0)).doesNotContainKey("original-expiration");
    }

    @Test
    void shouldCountARepeatedDeathInItsEntryAndMoveItToTheFront() {
        Message once = DeathHistory.recordDeath(published(null), "a", DeathReason.REJECTED, NOW, "dlx", "to-b");
        Message inB = DeathHistory.recordDeath(once, "b", DeathReason.EXPIRED, NOW + 1000, "dlx2", "to-a");
        Message twice = DeathHistory.recordDeath(inB, "a", DeathReason.REJECTED, NOW + 2000, "dlx", "to-b");

        List<Map<String, Object>> deaths = deaths(twice);
        assertThat(deaths).extracting(d -> d.get("queue")).containsExactly("a", "b");
        assertThat(deaths.get(0)).containsEntry("count", 2L).containsEntry("reason", "rejected")
                .containsEntry("exchange", "ex");
        assertThat(deaths.get(1)).containsEntry("count", 1L).containsEntry("exchange", "dlx");
        assertThat(twice.properties().headers()).containsEntry("x-first-death-queue", "a")
                .containsEntry("x-first-death-reason", "rejected").containsEntry("x-first-death-exchange", "ex");
        assertThat(twice.exchange()).isEqualTo("dlx");
        assertThat(twice.routingKey()).isEqualTo("to-b");
    }

    @Test
    void shouldSeeAnAutomaticCycleOnlyWithoutARejectInIt() {
        Message expiredInA = DeathHistory.recordDeath(published(null), "a", DeathReason.EXPIRED, NOW, "dlx", null);
        assertThat(DeathHistory.isAutomaticCycle(expiredInA, "a")).isTrue();
        assertThat(DeathHistory.isAutomaticCycle(expiredInA, "b")).isFalse();

        Message rejectedInB = DeathHistory.recordDeath(expiredInA, "b", DeathReason.REJECTED, NOW, "dlx", null);
        assertThat(DeathHistory.isAutomaticCycle(rejectedInB, "a")).as("a consumer rejected it on the way").isFalse();

        Message expiredInC = DeathHistory.recordDeath(expiredInA, "c", DeathReason.MAXLEN, NOW, "dlx", null);
        assertThat(DeathHistory.isAutomaticCycle(expiredInC, "a")).isTrue();
        assertThat(DeathHistory.isAutomaticCycle(published(null), "a")).isFalse();
    }

    @Test
    void shouldCheckTheExpirationProperty() {
        assertThat(MessageTtl.parse(null)).isEmpty();
        assertThat(MessageTtl.parse("0")).hasValue(0);
        assertThat(MessageTtl.parse("60000")).hasValue(60000);
        assertThatThrownBy(() -> MessageTtl.parse("soon")).isInstanceOf(BrokerException.class)
                .hasMessage("PRECONDITION_FAILED - invalid expiration 'soon': no_integer");
        assertThatThrownBy(() -> MessageTtl.parse("-1")).isInstanceOf(BrokerException.class)
                .hasMessage("PRECONDITION_FAILED - invalid expiration '-1': {value_negative,-1}");
    }

    @Test
    void shouldParseRetryDelays() {
        assertThat(QueueArguments.parse(Map.of("x-retry-delays", List.of(1000, 5000L)), "q").retryDelaysMs())
                .containsExactly(1000L, 5000L);
        assertThat(QueueArguments.NONE.retryDelaysMs()).isEmpty();
        assertThatThrownBy(() -> QueueArguments.parse(Map.of("x-retry-delays", 1000), "queue 'q' in vhost '/'"))
                .hasMessageContaining("invalid arg 'x-retry-delays'");
        assertThatThrownBy(() -> QueueArguments.parse(Map.of("x-retry-delays", List.of(-1)), "queue 'q' in vhost '/'"))
                .hasMessageContaining("{value_negative,-1}");
    }
}
