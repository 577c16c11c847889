package dev.ferry.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.broker.Broker;
import dev.ferry.error.BrokerException;
import dev.ferry.policy.Policy;
import dev.ferry.policy.PolicyKind;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Policies are access-log commands: durable before they apply, replayed at open, handed to the broker. */
class PolicyPersistenceTest {
    @TempDir
    Path dir;

    private static Policy policy(PolicyKind kind, String vhost, String name, Map<String, ?> definition) {
        return Policy.create(kind, vhost, name, "^q", "queues", 2, definition);
    }

    @Test
    void shouldKeepPoliciesAcrossAnUnclosedInstanceAndHandThemToTheBroker() {
        AccessControl crashed = AccessControl.open(dir, Broker.withQueueOwners(() -> Runnable::run), Set.of());
        crashed.addVirtualHost("orders").join();
        crashed.setPolicy(policy(PolicyKind.USER, "orders", "cap", Map.of("max-length", 5,
                "retry-delays", List.of(100, 200), "ha-params", Map.of("nested", 1.5)))).join();
        crashed.setPolicy(policy(PolicyKind.OPERATOR, "orders", "ttl", Map.of("message-ttl", 1000))).join();
        crashed.setPolicy(policy(PolicyKind.USER, "/", "gone", Map.of("max-length", 1))).join();
        crashed.clearPolicy(PolicyKind.USER, "/", "gone").join();
        // Never closed, like a SIGKILL.

        Broker broker = Broker.withQueueOwners(() -> Runnable::run);
        try (AccessControl reopened = AccessControl.open(dir, broker, Set.of())) {
            assertThat(reopened.policies()).containsExactlyInAnyOrderElementsOf(crashed.policies());
            assertThat(reopened.policies()).hasSize(2);
            assertThat(broker.virtualHost("orders").orElseThrow().policies().forQueue("queue").effectiveDefinition())
                    .containsEntry("max-length", 5L).containsEntry("message-ttl", 1000L);
            assertThat(broker.defaultVirtualHost().policies().isEmpty()).isTrue();

            reopened.deleteVirtualHost("orders").join();
            assertThat(reopened.policies()).as("a virtual host takes its policies with it").isEmpty();
        }
    }

    @Test
    void shouldRefuseAPolicyInAMissingVirtualHostAndClearingOneThatIsNotThere() {
        try (AccessControl access = AccessControl.open(dir, null, Set.of())) {
            assertThatThrownBy(() -> access.setPolicy(policy(PolicyKind.USER, "nowhere", "p", Map.of("max-length", 1))))
                    .isInstanceOf(BrokerException.class).hasMessage("Virtual host 'nowhere' does not exist");
            assertThatThrownBy(() -> access.clearPolicy(PolicyKind.USER, "/", "p"))
                    .isInstanceOf(BrokerException.class).hasMessage("Parameter does not exist");
        }
    }
}
