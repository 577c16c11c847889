package dev.ferry.amqp.auth;

import java.net.SocketAddress;

/**
 * Decides whether a username and password may log in from an address. Called on the connection's
 * event loop during the handshake, so an implementation must answer quickly (an in-memory lookup);
 * one that needs I/O should cache.
 */
public interface Authenticator {
    /** Whether {@code username} with {@code password} may connect from {@code remoteAddress}. */
    boolean authenticate(String username, String password, SocketAddress remoteAddress);
}
