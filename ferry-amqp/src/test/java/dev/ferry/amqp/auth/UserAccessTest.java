package dev.ferry.amqp.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.access.AccessControl;
import dev.ferry.access.PasswordHash;
import dev.ferry.access.Permission;
import dev.ferry.access.User;
import dev.ferry.amqp.auth.UserAccess.Kind;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UserAccessTest {

    private static AccessControl accessWith(Permission permission, Set<String> tags) {
        AccessControl access = AccessControl.inMemory(null, Set.of());
        access.putUser("u", PasswordHash.of("p"), tags);
        access.setPermissions(permission).join();
        return access;
    }

    @Test
    void shouldNameTheDefaultExchangeAmqDefault() {
        AccessControl access = accessWith(new Permission("u", "/", "", "^amq\\.default$", ""), Set.of());
        UserAccess user = new UserAccess(access, "u", "/", "client");
        assertThatCode(() -> user.checkWrite(Kind.EXCHANGE, "")).doesNotThrowAnyException();
        assertThatThrownBy(() -> user.checkRead(Kind.EXCHANGE, ""))
                .isInstanceOfSatisfying(BrokerException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.ACCESS_REFUSED))
                .hasMessage("ACCESS_REFUSED - access to exchange 'amq.default' in vhost '/' refused for user 'u'");
    }

    @Test
    void shouldApplyAChangedPermissionFromTheNextPublishOn() {
        AccessControl access = accessWith(Permission.full("u", "/"), Set.of());
        UserAccess user = new UserAccess(access, "u", "/", "client");
        user.checkWrite(Kind.EXCHANGE, "orders");
        user.checkWrite(Kind.EXCHANGE, "orders"); // answered from the one-entry cache
        access.setPermissions(new Permission("u", "/", ".*", "^payments$", ".*")).join();
        assertThatThrownBy(() -> user.checkWrite(Kind.EXCHANGE, "orders"))
                .hasMessage("ACCESS_REFUSED - access to exchange 'orders' in vhost '/' refused for user 'u'");
    }

    @Test
    void shouldLetOnlyImpersonatorsClaimAnotherUserId() {
        UserAccess plain = new UserAccess(accessWith(Permission.full("u", "/"), Set.of()), "u", "/", "client");
        plain.checkUserId(null);
        plain.checkUserId("u");
        assertThatThrownBy(() -> plain.checkUserId("boss"))
                .isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.PRECONDITION_FAILED))
                .hasMessage("PRECONDITION_FAILED - user_id property set to 'boss' but authenticated user was 'u'");
        UserAccess impersonator = new UserAccess(accessWith(Permission.full("u", "/"), Set.of(User.IMPERSONATOR)), "u",
                "/", "client");
        assertThatCode(() -> impersonator.checkUserId("boss")).doesNotThrowAnyException();
    }

    @Test
    void shouldAllowEverythingWithoutAccessControlButAForeignUserId() {
        UserAccess open = new UserAccess(null, "u", "/", "client");
        open.checkConfigure(Kind.QUEUE, "anything");
        open.checkTopicWrite("amq.topic", "any.key");
        open.checkQueueLimit("q", 1_000_000);
        assertThat(open.hasTopicPermissions()).isFalse();
        assertThatThrownBy(() -> open.checkUserId("other")).isInstanceOf(BrokerException.class);
    }

    @Test
    void shouldTreatAUserDeletedWhileConnectedAsHavingNoPermissions() {
        AccessControl access = accessWith(Permission.full("u", "/"), Set.of());
        UserAccess user = new UserAccess(access, "u", "/", "client");
        access.deleteUser("u").join();
        assertThatThrownBy(() -> user.checkRead(Kind.QUEUE, "q")).isInstanceOf(BrokerException.class);
    }
}
