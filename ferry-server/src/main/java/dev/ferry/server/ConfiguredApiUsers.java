package dev.ferry.server;

import dev.ferry.amqp.auth.PasswordAuthenticator;
import dev.ferry.http.ApiUser;
import dev.ferry.http.ApiUsers;
import java.net.SocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * The management API's users while Ferry's users are the {@code --users} list: the same
 * passwords and loopback rule as AMQP logins, and every user an administrator who may see every
 * virtual host, since the list carries no tags or permissions.
 */
final class ConfiguredApiUsers implements ApiUsers {
    private static final List<String> ADMINISTRATOR = List.of("administrator");

    private final PasswordAuthenticator passwords;

    ConfiguredApiUsers(PasswordAuthenticator passwords) {
        this.passwords = passwords;
    }

    @Override
    public Optional<ApiUser> authenticate(String username, String password, SocketAddress from) {
        return passwords.authenticate(username, password, from)
                ? Optional.of(new ApiUser(username, ADMINISTRATOR)) : Optional.empty();
    }

    @Override
    public boolean mayAccess(ApiUser user, String virtualHost) {
        return true;
    }
}
