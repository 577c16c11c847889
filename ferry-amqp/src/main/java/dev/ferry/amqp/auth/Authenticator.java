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

    /**
     * Whether {@code username}, the common name of a client certificate the TLS handshake verified
     * (SASL EXTERNAL), may connect from {@code remoteAddress} without a password: the certificate is
     * the credential, so the user must exist, and the address rules hold as for a password login.
     * None by default.
     */
    default boolean authenticateByCertificate(String username, SocketAddress remoteAddress) {
        return false;
    }
}
