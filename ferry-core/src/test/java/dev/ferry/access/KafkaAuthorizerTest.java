package dev.ferry.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.access.AccessCommand.CreateAcls;
import dev.ferry.access.AccessCommand.PutUser;
import dev.ferry.access.AclBinding.AclPermission;
import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.PatternType;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.access.AclFilter.PatternFilter;

class KafkaAuthorizerTest {
    private static final String HOST = "10.0.0.7";

    @TempDir
    Path dir;

    private static AclBinding acl(ResourceType type, String name, PatternType pattern, String principal, String host,
                                  Operation operation, AclPermission permission) {
        return new AclBinding(type, name, pattern, principal, host, operation, permission);
    }

    private static AclBinding allowTopic(String name, String user, Operation operation) {
        return acl(ResourceType.TOPIC, name, PatternType.LITERAL, "User:" + user, "*", operation, AclPermission.ALLOW);
    }

    private static AccessState state(AclBinding... acls) {
        return AccessState.EMPTY
                .apply(new PutUser("admin", PasswordHash.of("a"), Set.of(User.ADMINISTRATOR)))
                .apply(new PutUser("alice", PasswordHash.of("a"), Set.of()))
                .apply(new PutUser("bob", PasswordHash.of("b"), Set.of()))
                .apply(new CreateAcls(List.of(acls)));
    }

    private static boolean may(AccessState state, String user, Operation op, ResourceType type, String name) {
        return KafkaAuthorizer.authorize(state, user, HOST, op, type, name);
    }

    @Test
    void shouldAllowEverythingWhileNoAclExistsAtAll() {
        AccessState state = state();
        assertThat(may(state, "bob", Operation.WRITE, ResourceType.TOPIC, "orders")).isTrue();
        assertThat(may(state, "bob", Operation.ALTER, ResourceType.CLUSTER, AclBinding.CLUSTER_NAME)).isTrue();
    }

    @Test
    void shouldRefuseWhatNoAllowCoversOnceOneAclExists() {
        AccessState state = state(allowTopic("orders", "alice", Operation.WRITE));
        assertThat(may(state, "alice", Operation.WRITE, ResourceType.TOPIC, "orders")).isTrue();
        assertThat(may(state, "alice", Operation.READ, ResourceType.TOPIC, "orders")).isFalse();
        assertThat(may(state, "alice", Operation.WRITE, ResourceType.TOPIC, "payments")).isFalse();
        assertThat(may(state, "bob", Operation.WRITE, ResourceType.TOPIC, "orders")).isFalse();
        assertThat(may(state, "bob", Operation.READ, ResourceType.GROUP, "g")).isFalse();
    }

    @Test
    void shouldLetAdministratorsDoAnythingAsSuperUsers() {
        AccessState state = state(acl(ResourceType.TOPIC, "*", PatternType.LITERAL, "User:*", "*", Operation.ALL,
                AclPermission.DENY));
        assertThat(may(state, "admin", Operation.WRITE, ResourceType.TOPIC, "orders")).isTrue();
        assertThat(may(state, "alice", Operation.WRITE, ResourceType.TOPIC, "orders")).isFalse();
    }

    @Test
    void shouldLetDenyWinOverAllow() {
        AccessState state = state(allowTopic("*", "alice", Operation.ALL),
                acl(ResourceType.TOPIC, "secret", PatternType.LITERAL, "User:alice", "*", Operation.READ,
                        AclPermission.DENY));
        assertThat(may(state, "alice", Operation.READ, ResourceType.TOPIC, "orders")).isTrue();
        assertThat(may(state, "alice", Operation.READ, ResourceType.TOPIC, "secret")).isFalse();
        // A DENY of READ does not deny DESCRIBE (Kafka denies only the operation itself or ALL).
        assertThat(may(state, "alice", Operation.DESCRIBE, ResourceType.TOPIC, "secret")).isTrue();
        assertThat(may(state, "alice", Operation.WRITE, ResourceType.TOPIC, "secret")).isTrue();
    }

    @Test
    void shouldImplyDescribeFromReadWriteDeleteAlterAndDescribeConfigsFromAlterConfigs() {
        for (Operation granted : List.of(Operation.READ, Operation.WRITE, Operation.DELETE, Operation.ALTER)) {
            assertThat(may(state(allowTopic("t", "alice", granted)), "alice", Operation.DESCRIBE, ResourceType.TOPIC,
                    "t")).as(granted.name()).isTrue();
        }
        assertThat(may(state(allowTopic("t", "alice", Operation.CREATE)), "alice", Operation.DESCRIBE,
                ResourceType.TOPIC, "t")).isFalse();
        assertThat(may(state(allowTopic("t", "alice", Operation.ALTER_CONFIGS)), "alice", Operation.DESCRIBE_CONFIGS,
                ResourceType.TOPIC, "t")).isTrue();
        assertThat(may(state(allowTopic("t", "alice", Operation.DESCRIBE)), "alice", Operation.READ,
                ResourceType.TOPIC, "t")).isFalse();
    }

    @Test
    void shouldMatchPrefixedPatternsWildcardPrincipalAndHost() {
        AccessState state = state(
                acl(ResourceType.TOPIC, "app-", PatternType.PREFIXED, "User:*", "*", Operation.READ, AclPermission.ALLOW),
                acl(ResourceType.GROUP, "g1", PatternType.LITERAL, "User:bob", "10.0.0.8", Operation.READ,
                        AclPermission.ALLOW));
        assertThat(may(state, "bob", Operation.READ, ResourceType.TOPIC, "app-orders")).isTrue();
        assertThat(may(state, "bob", Operation.READ, ResourceType.TOPIC, "ap")).isFalse();
        assertThat(may(state, "bob", Operation.READ, ResourceType.GROUP, "g1")).as("other host").isFalse();
        assertThat(KafkaAuthorizer.authorize(state, "bob", "10.0.0.8", Operation.READ, ResourceType.GROUP, "g1"))
                .isTrue();
        assertThat(may(state, "bob", Operation.READ, ResourceType.GROUP, "app-")).as("other resource type").isFalse();
    }

    @Test
    void shouldAuthorizeIdempotentWriteThroughWriteOnAnyTopic() {
        AccessState state = state(allowTopic("orders", "alice", Operation.WRITE));
        assertThat(KafkaAuthorizer.authorizeAny(state, "alice", HOST, Operation.WRITE, ResourceType.TOPIC)).isTrue();
        assertThat(KafkaAuthorizer.authorizeAny(state, "bob", HOST, Operation.WRITE, ResourceType.TOPIC)).isFalse();
    }

    @Test
    void shouldMatchFiltersAsKafkaDoes() {
        AclBinding literal = allowTopic("app-orders", "alice", Operation.READ);
        AclBinding wildcard = allowTopic("*", "alice", Operation.READ);
        AclBinding prefixed = acl(ResourceType.TOPIC, "app-", PatternType.PREFIXED, "User:alice", "*", Operation.READ,
                AclPermission.ALLOW);
        AclBinding group = acl(ResourceType.GROUP, "app-orders", PatternType.LITERAL, "User:bob", "*", Operation.READ,
                AclPermission.ALLOW);
        List<AclBinding> all = List.of(literal, wildcard, prefixed, group);
        assertThat(all.stream().filter(new AclFilter(ResourceType.TOPIC, "app-orders", PatternFilter.MATCH, null, null,
                null, null)::matches)).containsExactly(literal, wildcard, prefixed);
        assertThat(all.stream().filter(new AclFilter(null, "app-orders", PatternFilter.ANY, null, null, null,
                null)::matches)).containsExactly(literal, group);
        assertThat(all.stream().filter(new AclFilter(null, null, PatternFilter.PREFIXED, null, null, null,
                null)::matches)).containsExactly(prefixed);
        assertThat(all.stream().filter(new AclFilter(null, null, PatternFilter.ANY, "User:bob", null, null,
                null)::matches)).containsExactly(group);
        assertThat(all.stream().filter(AclFilter.ANY::matches)).containsExactlyElementsOf(all);
    }

    @Test
    void shouldKeepAclsAcrossReopenAndDeleteByFilter() {
        AclBinding orders = allowTopic("orders", "alice", Operation.WRITE);
        AclBinding group = acl(ResourceType.GROUP, "g", PatternType.LITERAL, "User:alice", "*", Operation.READ,
                AclPermission.ALLOW);
        try (AccessControl access = AccessControl.open(dir, null, Set.of())) {
            access.createAcls(List.of(orders, group)).join();
        }
        try (AccessControl access = AccessControl.open(dir, null, Set.of())) {
            assertThat(access.acls(AclFilter.ANY)).containsExactly(orders, group);
            List<List<AclBinding>> deleted = access.deleteAcls(List.of(
                    new AclFilter(ResourceType.GROUP, null, PatternFilter.ANY, null, null, null, null),
                    new AclFilter(ResourceType.CLUSTER, null, PatternFilter.ANY, null, null, null, null))).join();
            assertThat(deleted).containsExactly(List.of(group), List.of());
        }
        try (AccessControl access = AccessControl.open(dir, null, Set.of())) {
            assertThat(access.acls(AclFilter.ANY)).containsExactly(orders);
        }
    }

    @Test
    void shouldRoundTripAclCommandsThroughTheCodec() {
        AclBinding binding = acl(ResourceType.TRANSACTIONAL_ID, "tx-", PatternType.PREFIXED, "User:älice", "::1",
                Operation.IDEMPOTENT_WRITE, AclPermission.DENY);
        for (AccessCommand command : List.of(new CreateAcls(List.of(binding)),
                new AccessCommand.DeleteAcls(List.of(binding, allowTopic("t", "bob", Operation.ALL))))) {
            assertThat(AccessCommandCodec.decode(AccessCommandCodec.encode(command))).isEqualTo(command);
        }
    }
}
