package dev.ferry.kafka.security;

import java.net.SocketAddress;
import java.util.Optional;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * Where the Kafka front checks who a client is: the broker's users, seen through what SASL needs.
 * The wiring in ferry-server backs it with the same users AMQP and HTTP clients log in as, so one
 * password works on every port. Implementations are safe to call from any event loop and do not
 * block (a lookup and a hash at most).
 */
public interface KafkaCredentials {
    /** Whether {@code password} is {@code username}'s and the user may log in from {@code from} (PLAIN). */
    boolean passwordMatches(String username, String password, SocketAddress from);

    /**
     * The SCRAM credential kept for {@code username} under {@code mechanism}, when the user exists,
     * has one, and may log in from {@code from}; empty otherwise (SCRAM then fails as for a wrong
     * password, telling the client nothing more).
     */
    Optional<ScramCredential> scramCredential(ScramMechanism mechanism, String username, SocketAddress from);

    /**
     * The user an unauthenticated client (a PLAINTEXT listener) acts as, when one may connect from
     * {@code from} at all; empty means the connection is refused.
     */
    Optional<String> anonymousUser(SocketAddress from);

    /** How long the answer to a failed login from {@code from} waits; each call counts one failure. */
    long failedLoginDelayMs(SocketAddress from);

    /** A login from {@code from} succeeded: its failures are forgotten. */
    void loginSucceeded(SocketAddress from);
}
