package dev.ferry.http;

import java.net.SocketAddress;
import java.util.Optional;

/**
 * Who may use the API: the broker's users, checked the way its protocol fronts check them. The
 * server wires in the broker's user store; tests may pass a fixed one.
 */
public interface ApiUsers {
    /** The user, if {@code password} is theirs and they may log in from {@code from}. May be slow (hashing): never on an event loop. */
    Optional<ApiUser> authenticate(String username, String password, SocketAddress from);

    /** Whether {@code user} may see and use the objects of {@code virtualHost} (has a permission entry there). */
    boolean mayAccess(ApiUser user, String virtualHost);
}
