package dev.ferry.http;

import java.net.SocketAddress;
import java.util.Optional;

/**
 * Who may use the API and what each may touch: the broker's users, checked the way its protocol
 * fronts check them ({@link AccessControlUsers} over {@code dev.ferry.access.AccessControl}); tests
 * may pass a fixed one.
 */
public interface ApiUsers {
    /** The user, if {@code password} is theirs and they may log in from {@code from}. May be slow (hashing): never on an event loop. */
    Optional<ApiUser> authenticate(String username, String password, SocketAddress from);

    /** Whether {@code user} may open {@code virtualHost} (has a permission entry there). */
    boolean mayAccess(ApiUser user, String virtualHost);

    /** RabbitMQ's configure permission on a queue or exchange name: declare, delete. */
    boolean mayConfigure(ApiUser user, String virtualHost, String resource);

    /** Write permission: publish to an exchange, bind to a queue. */
    boolean mayWrite(ApiUser user, String virtualHost, String resource);

    /** Read permission: get from and purge a queue, bind from an exchange. */
    boolean mayRead(ApiUser user, String virtualHost, String resource);
}
