package dev.ferry.amqp.auth;

import dev.ferry.access.AccessControl;
import java.net.SocketAddress;

/**
 * Logins checked against the broker's stored users: a password for PLAIN and AMQPLAIN, and for
 * EXTERNAL the user named by a verified client certificate, who must exist and obey the same
 * loopback-only rule a password login does.
 */
public final class AccessControlAuthenticator implements Authenticator {
    private final AccessControl access;

    public AccessControlAuthenticator(AccessControl access) {
        this.access = access;
    }

    @Override
    public boolean authenticate(String username, String password, SocketAddress remoteAddress) {
        return access.authenticate(username, password, remoteAddress).isPresent();
    }

    @Override
    public boolean authenticateByCertificate(String username, SocketAddress remoteAddress) {
        return access.user(username).isPresent() && access.mayLogInFrom(username, remoteAddress);
    }
}
