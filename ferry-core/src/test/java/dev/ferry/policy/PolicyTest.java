package dev.ferry.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.queue.Overflow;
import dev.ferry.queue.QueueArguments;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Validation with RabbitMQ 3.10's texts, matching and priority, and the precedence of QueuePolicy. */
class PolicyTest {

    private static Policy user(String name, String pattern, long priority, Map<String, ?> definition) {
        return Policy.create(PolicyKind.USER, "/", name, pattern, "all", priority, definition);
    }

    private static Policy operator(String name, Map<String, ?> definition) {
        return Policy.create(PolicyKind.OPERATOR, "/", name, ".*", "queues", 0, definition);
    }

    private static void assertRefused(PolicyKind kind, String target, Map<String, ?> definition, String text) {
        assertThatThrownBy(() -> Policy.create(kind, "/", "p", "^x", target, 0, definition))
                .isInstanceOf(PolicyValidationException.class).hasMessage(text);
    }

    @Test
    void shouldRefuseWhatRabbitMqRefusesWithItsTexts() {
        assertRefused(PolicyKind.USER, "all", Map.of("message-ttl", "x"), "<<\"x\">> is not a valid message TTL");
        assertRefused(PolicyKind.USER, "all", Map.of("expires", 0), "0 is not a valid queue expiry");
        assertRefused(PolicyKind.USER, "all", Map.of("max-length-bytes", 1.5), "1.5 is not a valid maximum length in bytes");
        assertRefused(PolicyKind.USER, "all", Map.of("alternate-exchange", true), "true is not a valid alternate exchange name");
        assertRefused(PolicyKind.USER, "all", Map.of("max-age", "1X"), "<<\"1X\">> is not a valid max age");
        assertRefused(PolicyKind.USER, "all", Map.of("retry-delays", List.of(10, -1)),
                "[10,-1] is not a valid list of retry delays");
        assertRefused(PolicyKind.USER, "all", Map.of("foo", 1, "bar", 2),
                "[{<<\"bar\">>,2},{<<\"foo\">>,1}] are not recognised policy settings");
        assertRefused(PolicyKind.USER, "nowhere", Map.of(), "no policy provided\n"
                + "apply-to 'nowhere' unrecognised; should be 'queues', 'exchanges' or 'all'");
        assertRefused(PolicyKind.OPERATOR, "all", Map.of("overflow", "reject-publish"),
                "[{<<\"overflow\">>,<<\"reject-publish\">>}] are not recognised policy settings");
        assertThatThrownBy(() -> user("p", "(", 0, Map.of("max-length", 1)))
                .hasMessageStartingWith("pattern should be regular expression but is invalid: ");
    }

    @Test
    void shouldAcceptRabbitMqKeysFerryIgnoresSoExportsImport() {
        Policy policy = user("p", ".*", 0, Map.of("ha-mode", "all", "queue-mode", "lazy", "max-age", "7D",
                "stream-max-segment-size-bytes", 1000));
        assertThat(policy.definition()).containsKeys("ha-mode", "queue-mode", "max-age");
        assertThat(operator("o", Map.of("delivery-limit", 3)).definition()).containsEntry("delivery-limit", 3L);
    }

    @Test
    void shouldGiveAQueueTheHighestPriorityMatchAndTiesToTheFirstName() {
        VirtualHostPolicies policies = new VirtualHostPolicies(List.of(
                user("low", "^orders", 1, Map.of("max-length", 10)),
                user("high", "^orders\\.eu", 5, Map.of("max-length", 1)),
                user("b-tie", "eu", 5, Map.of("max-length", 2)),
                Policy.create(PolicyKind.USER, "/", "exchanges-only", ".*", "exchanges", 99,
                        Map.of("alternate-exchange", "ae"))));
        assertThat(policies.forQueue("orders.eu").policyName()).isEqualTo("b-tie");
        assertThat(policies.forQueue("orders.us").policyName()).isEqualTo("low");
        assertThat(policies.forQueue("invoices").isEmpty()).isTrue();
        assertThat(policies.forExchange("invoices").map(Policy::name)).contains("exchanges-only");
    }

    @Test
    void shouldTakeTheLowestLimitAndTheQueuesOwnSettingsOtherwise() {
        QueueArguments declared = QueueArguments.parse(Map.of("x-max-length", 5, "x-message-ttl", 1000,
                "x-dead-letter-exchange", "own"), "queue 'q' in vhost '/'");
        QueuePolicy applied = new QueuePolicy(
                user("p", ".*", 0, Map.of("max-length", 8, "message-ttl", 100, "dead-letter-exchange", "policy",
                        "dead-letter-routing-key", "policy-key", "overflow", "reject-publish", "expires", 60000,
                        "retry-delays", List.of(10, 20))),
                operator("o", Map.of("max-length", 3, "expires", 90000)));

        QueueArguments effective = applied.effectiveArguments(declared, "queue 'q' in vhost '/'");

        assertThat(effective.maxLength()).hasValue(3);
        assertThat(effective.messageTtlMs()).hasValue(100);
        assertThat(effective.expiresMs()).hasValue(60000);
        assertThat(effective.deadLetterExchange()).contains("own");
        assertThat(effective.deadLetterRoutingKey()).contains("policy-key");
        assertThat(effective.overflow()).isEqualTo(Overflow.REJECT_PUBLISH);
        assertThat(effective.retryDelaysMs()).containsExactly(10L, 20L);
        assertThat(effective.raw()).as("equivalence keeps the declared table").isNotEqualTo(declared.raw());
        assertThat(applied.effectiveDefinition()).containsEntry("max-length", 3L).containsEntry("expires", 60000L);
        assertThat(QueuePolicy.NONE.effectiveArguments(declared, "q")).isSameAs(declared);
    }

    @Test
    void shouldLeaveOutADeadLetterRoutingKeyWithoutAnyExchange() {
        QueueArguments effective = new QueuePolicy(user("p", ".*", 0, Map.of("dead-letter-routing-key", "k")), null)
                .effectiveArguments(QueueArguments.NONE, "queue 'q' in vhost '/'");
        assertThat(effective.deadLetterRoutingKey()).isEmpty();
    }
}
