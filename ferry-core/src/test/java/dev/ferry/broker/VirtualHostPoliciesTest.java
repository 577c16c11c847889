package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.policy.Policy;
import dev.ferry.policy.PolicyKind;
import dev.ferry.policy.VirtualHostPolicies;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Policies handed to a virtual host change its existing and future queues; queue commands run inline. */
class VirtualHostPoliciesTest {
    private final VirtualHost vhost = new VirtualHost("/", () -> Runnable::run);

    private static Message message(String key, String body) {
        return new Message("", key, MessageProperties.EMPTY, body.getBytes(StandardCharsets.UTF_8));
    }

    private static VirtualHostPolicies cap(String pattern, int maxLength) {
        return new VirtualHostPolicies(List.of(Policy.create(PolicyKind.USER, "/", "cap", pattern, "queues", 0,
                Map.of("max-length", maxLength, "dead-letter-exchange", "", "dead-letter-routing-key", "dead"))));
    }

    private int depth(String queue) {
        return vhost.checkQueueExists(queue, 1).messageCount();
    }

    @Test
    void shouldTrimAnExistingQueueAtOnceAndRestoreItsOwnLimitWhenCleared() {
        vhost.declareQueue(new QueueDeclaration("orders", false, false, false, Map.of("x-max-length", 10), 1));
        vhost.declareQueue(new QueueDeclaration("dead", false, false, false, Map.of(), 1));
        for (int i = 0; i < 6; i++) {
            vhost.publish(message("orders", "m" + i), false);
        }

        vhost.usePolicies(cap("^orders$", 2));
        assertThat(depth("orders")).isEqualTo(2);
        assertThat(depth("dead")).as("dead-lettered through the policy's exchange").isEqualTo(4);

        vhost.usePolicies(VirtualHostPolicies.NONE);
        for (int i = 0; i < 10; i++) {
            vhost.publish(message("orders", "n" + i), false);
        }
        assertThat(depth("orders")).as("its own x-max-length again").isEqualTo(10);
        // A redeclare with the queue's own arguments is still equivalent.
        vhost.declareQueue(new QueueDeclaration("orders", false, false, false, Map.of("x-max-length", 10), 1));
    }

    @Test
    void shouldApplyToQueuesDeclaredLater() {
        vhost.usePolicies(cap("^later", 1));
        vhost.declareQueue(new QueueDeclaration("later", false, false, false, Map.of(), 1));
        vhost.publish(message("later", "a"), false);
        vhost.publish(message("later", "b"), false);
        assertThat(depth("later")).isEqualTo(1);
    }

    @Test
    void shouldGiveExchangesThePolicysAlternateExchangeUnlessTheirOwn() {
        vhost.declareExchange("in", "direct", false, false, false, Map.of());
        vhost.declareExchange("own-ae", "direct", false, false, false, Map.of("alternate-exchange", "mine"));
        vhost.usePolicies(new VirtualHostPolicies(List.of(Policy.create(PolicyKind.USER, "/", "ae", ".*", "exchanges", 0,
                Map.of("alternate-exchange", "unrouted")))));
        assertThat(vhost.exchange("in").orElseThrow().alternateExchangeOrNull()).isEqualTo("unrouted");
        assertThat(vhost.exchange("own-ae").orElseThrow().alternateExchangeOrNull()).isEqualTo("mine");
        vhost.usePolicies(VirtualHostPolicies.NONE);
        assertThat(vhost.exchange("in").orElseThrow().alternateExchangeOrNull()).isNull();
    }
}
