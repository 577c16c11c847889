package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ferry.error.BrokerException;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.route.SenderSelectedRoutes;

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
    void shouldListCcKeysAfterTheRoutingKeyButKeepBccKeysOutOfSight() {
        Message resolved = SenderSelectedRoutes.resolve(published(Map.of("CC", List.of("c1", 5), "BCC", List.of("b1"))));

        Message dead = DeathHistory.recordDeath(resolved, "q", DeathReason.REJECTED, NOW, "dlx", null);

        assertThat(deaths(dead).get(0)).containsEntry("routing-keys", List.of("key", "c1"));
        assertThat(deaths(dead).get(0)).doesNotContainKey("original-expiration");
        assertThat(dead.properties().headers()).containsKey("CC").doesNotContainKey("BCC");
        assertThat(dead.routingKey()).isEqualTo("key");
        assertThat(dead.extraRoutingKeysOrNull()).as("routed again by every key").containsExactly("c1", "b1");
    }

    @Test
    void shouldRouteByTheNewKeyAloneAndDropCcWhenTheQueueSetsOne() {
        Message resolved = SenderSelectedRoutes.resolve(published(Map.of("CC", List.of("c1"), "BCC", List.of("b1"))));

        Message dead = DeathHistory.recordDeath(resolved, "q", DeathReason.EXPIRED, NOW, "dlx", "new");

        assertThat(dead.routingKey()).isEqualTo("new");
        assertThat(dead.extraRoutingKeysOrNull()).isNull();
        assertThat(dead.properties().headers()).doesNotContainKeys("CC", "BCC");
        assertThat(deaths(dead).get(0)).containsEntry("routing-keys", List.of("key", "c1"));
    }

    private static Map<String, Object> olderTable(String queue, String reason, String exchange, Long count) {
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("reason", reason);
        table.put("queue", queue);
        table.put("exchange", exchange);
        table.put("time", new Date(1_000_000_000_000L));
        table.put("routing-keys", List.of(exchange));
        if (count != null) {
            table.put("count", count);
        }
        return table;
    }

    @Test
    void shouldNameTheQueueAndReasonOfTheLatestDeath() {
        Message twice = DeathHistory.recordDeath(
                DeathHistory.recordDeath(published(Map.of()), "orders", DeathReason.REJECTED, NOW, "dlx", null),
                "retry", DeathReason.EXPIRED, NOW, "dlx", null);

        assertThat(DeathHistory.latestDeath(twice)).contains(new DeathHistory.Death("retry", "expired"));
        assertThat(DeathHistory.latestDeath(published(Map.of()))).isEmpty();
        assertThat(DeathHistory.latestDeath(published(Map.of(DeathHistory.X_DEATH, List.of())))).isEmpty();
        assertThat(DeathHistory.latestDeath(published(Map.of(DeathHistory.X_DEATH, List.of("not a table"))))).isEmpty();
        assertThat(DeathHistory.latestDeath(published(Map.of(DeathHistory.X_DEATH,
                List.of(Map.of("queue", "q")))))).isEmpty();
        assertThat(DeathHistory.latestDeath(published(Map.of(DeathHistory.X_DEATH,
                List.of(Map.of("reason", "rejected")))))).isEmpty();
    }

    @Test
    void shouldFoldAHistoryWithATablePerDeathIntoOneCountedTablePerQueueAndReason() {
        List<Object> older = List.of(
                olderTable("other", "expired", "x2", null),
                olderTable("q", "rejected", "x1", null),
                "not a table",
                olderTable("q", "rejected", "x3", null),
                olderTable("other", "expired", "x4", null),
                olderTable("third", "maxlen", "x5", 7L),
                olderTable("third", "maxlen", "x6", 3L));

        Message dead = DeathHistory.recordDeath(published(Map.of(DeathHistory.X_DEATH, older)), "q",
                DeathReason.REJECTED, NOW, "dlx", null);

        List<Map<String, Object>> deaths = deaths(dead);
        assertThat(deaths).hasSize(4);
        assertThat(deaths.get(0)).containsEntry("queue", "q").containsEntry("count", 3L).containsEntry("exchange", "x1");
        assertThat(deaths.get(1)).containsEntry("queue", "other").containsEntry("count", 2L)
                .containsEntry("exchange", "x2");
        assertThat((Object) deaths.get(2)).isEqualTo("not a table");
        assertThat(deaths.get(3)).containsEntry("queue", "third").containsEntry("count", 7L)
                .containsEntry("exchange", "x5");
        assertThat(dead.properties().headers()).doesNotContainKey(DeathHistory.FIRST_DEATH_QUEUE);
    }

    @Test
    void shouldCountASingleOlderTableAsOneDeath() {
        Message dead = DeathHistory.recordDeath(published(Map.of(DeathHistory.X_DEATH,
                List.of(olderTable("q", "rejected", "x1", null)))), "q", DeathReason.REJECTED, NOW, "dlx", null);

        assertThat(deaths(dead)).singleElement().satisfies(death -> assertThat(death).containsEntry("count", 2L));
    }

    @Test
    void shouldReplaceFirstDeathHeadersOnlyWhenThereIsNoHistory() {
        Message copied = published(Map.of(DeathHistory.FIRST_DEATH_QUEUE, "elsewhere",
                DeathHistory.FIRST_DEATH_REASON, "expired", DeathHistory.FIRST_DEATH_EXCHANGE, "nowhere"));
        Message notAnArray = published(Map.of(DeathHistory.X_DEATH, "garbled"));

        Message first = DeathHistory.recordDeath(copied, "q", DeathReason.REJECTED, NOW, "dlx", null);
        Message fresh = DeathHistory.recordDeath(notAnArray, "q", DeathReason.REJECTED, NOW, "dlx", null);

        assertThat(first.properties().headers()).containsEntry(DeathHistory.FIRST_DEATH_QUEUE, "q")
                .containsEntry(DeathHistory.FIRST_DEATH_REASON, "rejected")
                .containsEntry(DeathHistory.FIRST_DEATH_EXCHANGE, "ex");
        assertThat(deaths(fresh)).singleElement().satisfies(death -> assertThat(death).containsEntry("count", 1L));
        assertThat(fresh.properties().headers()).doesNotContainKey(DeathHistory.FIRST_DEATH_QUEUE);
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
    void shouldSeeNoAutomaticCycleOnceAnEntryIsNotABrokersTable() {
        Message expiredInA = DeathHistory.recordDeath(published(null), "a", DeathReason.EXPIRED, NOW, "dlx", null);
        List<Object> withClientEntry = new java.util.ArrayList<>(deaths(expiredInA));
        withClientEntry.add(0, "written by a client");

        assertThat(DeathHistory.isAutomaticCycle(published(Map.of(DeathHistory.X_DEATH, withClientEntry)), "a"))
                .as("a client wrote into the history: it chose to send the message round").isFalse();
    }

    @Test
    void shouldListEveryCcKeyOfTheDeadLetter() {
        Message resolved = SenderSelectedRoutes.resolve(published(Map.of("CC", List.of("c1", "c2", "c3"))));

        Message dead = DeathHistory.recordDeath(resolved, "q", DeathReason.EXPIRED, NOW, "dlx", null);

        assertThat(deaths(dead).get(0)).containsEntry("routing-keys", List.of("key", "c1", "c2", "c3"));
    }

    @Test
    void shouldKeepAnOlderTableThatNamesNoQueueWhenFolding() {
        Map<String, Object> noQueue = olderTable("q", "rejected", "x1", null);
        noQueue.remove("queue");
        Map<String, Object> noReason = olderTable("q", "rejected", "x2", null);
        noReason.remove("reason");

        Message dead = DeathHistory.recordDeath(published(Map.of(DeathHistory.X_DEATH, List.of(noQueue, noReason))),
                "q", DeathReason.REJECTED, NOW, "dlx", null);

        List<Map<String, Object>> deaths = deaths(dead);
        assertThat(deaths).hasSize(3);
        assertThat(deaths.get(0)).containsEntry("queue", "q").containsEntry("count", 1L);
        assertThat(deaths.get(1)).doesNotContainKey("queue").containsEntry("exchange", "x1").containsEntry("count", 1L);
        assertThat(deaths.get(2)).doesNotContainKey("reason").containsEntry("exchange", "x2").containsEntry("count", 1L);
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
