package dev.ferry.http;

import dev.ferry.access.AccessControl;
import dev.ferry.access.User;
import java.net.SocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * The API's users are the broker's: {@link AccessControl} logs them in and answers every
 * permission question, so a user sees and may do over HTTP what it may over AMQP.
 */
public final class AccessControlUsers implements ApiUsers {
    private final AccessControl access;

    public AccessControlUsers(AccessControl access) {
        this.access = access;
    }

    @Override
    public Optional<ApiUser> authenticate(String username, String password, SocketAddress from) {
        return access.authenticate(username, password, from).map(AccessControlUsers::apiUser);
    }

    static ApiUser apiUser(User user) {
        return new ApiUser(user.name(), user.tags().stream().sorted().toList());
    }

    private Optional<User> user(ApiUser user) {
        return access.user(user.name());
    }

    @Override
    public boolean mayAccess(ApiUser user, String virtualHost) {
        return user(user).map(found -> access.mayOpen(found, virtualHost)).orElse(false);
    }

    @Override
    public boolean mayConfigure(ApiUser user, String virtualHost, String resource) {
        return user(user).map(found -> access.mayConfigure(found, virtualHost, resource)).orElse(false);
    }

    @Override
    public boolean mayWrite(ApiUser user, String virtualHost, String resource) {
        return user(user).map(found -> access.mayWrite(found, virtualHost, resource)).orElse(false);
    }

    @Override
    public boolean mayRead(ApiUser user, String virtualHost, String resource) {
        return user(user).map(found -> access.mayRead(found, virtualHost, resource)).orElse(false);
    }

    /** For tests and listings: the tags of a user as the API shows them. */
    static List<String> tags(User user) {
        return apiUser(user).tags();
    }
}
