package dev.ferry.amqp.auth;

import dev.ferry.access.ClientAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Users with plain passwords held in memory, some of them allowed from loopback addresses only.
 * The default is RabbitMQ's: {@code guest}/{@code guest}, from localhost only, so a fresh broker
 * is usable on a developer's machine and closed to the network.
 *
 * <p>Immutable after construction, hence safe to share between event loops.
 */
public final class PasswordAuthenticator implements Authenticator {
    private final Map<String, byte[]> passwords;
    private final Set<String> loopbackOnly;

    private PasswordAuthenticator(Map<String, byte[]> passwords, Set<String> loopbackOnly) {
        this.passwords = Map.copyOf(passwords);
        this.loopbackOnly = Set.copyOf(loopbackOnly);
    }

    /** guest/guest, accepted from loopback addresses only. */
    public static PasswordAuthenticator guestOnLoopback() {
        return builder().loopbackUser("guest", "guest").build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean authenticate(String username, String password, SocketAddress remoteAddress) {
        byte[] expected = passwords.get(username);
        if (expected == null || password == null) {
            return false;
        }
        // Constant-time comparison: response time must not reveal how much of a password matched.
        if (!MessageDigest.isEqual(expected, password.getBytes(StandardCharsets.UTF_8))) {
            return false;
        }
        return !loopbackOnly.contains(username) || ClientAddress.isLoopback(remoteAddress);
    }

    @Override
    public boolean authenticateByCertificate(String username, SocketAddress remoteAddress) {
        return passwords.containsKey(username) && (!loopbackOnly.contains(username) || ClientAddress.isLoopback(remoteAddress));
    }

    public static final class Builder {
        private final Map<String, byte[]> passwords = new HashMap<>();
        private final Set<String> loopbackOnly = new HashSet<>();

        public Builder user(String username, String password) {
            passwords.put(username, password.getBytes(StandardCharsets.UTF_8));
            loopbackOnly.remove(username);
            return this;
        }

        public Builder loopbackUser(String username, String password) {
            passwords.put(username, password.getBytes(StandardCharsets.UTF_8));
            loopbackOnly.add(username);
            return this;
        }

        public PasswordAuthenticator build() {
            return new PasswordAuthenticator(passwords, loopbackOnly);
        }
    }
}
