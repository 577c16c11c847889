package dev.ferry.kafka.security;

import java.net.SocketAddress;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.plain.PlainAuthenticateCallback;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * Who one Kafka connection is, and how far its login got. On a PLAINTEXT listener the client acts
 * as the anonymous user from the start (or is refused); on SASL_PLAINTEXT it must first name a
 * mechanism (SaslHandshake v1) and then finish that mechanism's exchange in SaslAuthenticate
 * requests, and until it has, nothing but ApiVersions and those two is served (Kafka's broker
 * closes such a connection too). PLAIN is kafka-clients' own server side; SCRAM is
 * {@link ScramExchange} on kafka-clients' message classes; both are fed with Ferry's users through
 * {@link KafkaCredentials}.
 *
 * <p>Event loop only: one per connection, never shared.
 */
public final class KafkaSession {
    private enum State { REFUSED, AWAITING_HANDSHAKE, AWAITING_AUTHENTICATE, AUTHENTICATED, FAILED }

    private final KafkaAuthentication authentication;
    private final SocketAddress remote;
    private State state;
    private String user;
    private String mechanism;
    private SaslServer exchange;

    private KafkaSession(KafkaAuthentication authentication, SocketAddress remote) {
        this.authentication = authentication;
        this.remote = remote;
        if (authentication.saslRequired()) {
            state = State.AWAITING_HANDSHAKE;
        } else {
            Optional<String> anonymous = authentication.credentials().anonymousUser(remote);
            user = anonymous.orElse(null);
            state = anonymous.isPresent() ? State.AUTHENTICATED : State.REFUSED;
        }
    }

    /** The session of a connection just accepted from {@code remote}. */
    public static KafkaSession open(KafkaAuthentication authentication, SocketAddress remote) {
        return new KafkaSession(authentication, remote);
    }

    /** A PLAINTEXT connection from where no anonymous client is let in: close it at once. */
    public boolean refused() {
        return state == State.REFUSED;
    }

    /** The user this connection acts as, once it is known. */
    public Optional<String> user() {
        return Optional.ofNullable(user);
    }

    public SocketAddress remote() {
        return remote;
    }

    public boolean failed() {
        return state == State.FAILED;
    }

    /** Whether a request of {@code key} may be served now; if not, the connection is closed, as Kafka does. */
    public boolean mayServe(ApiKeys key) {
        return switch (state) {
            case AUTHENTICATED -> true;
            case AWAITING_HANDSHAKE -> key == ApiKeys.API_VERSIONS || key == ApiKeys.SASL_HANDSHAKE;
            case AWAITING_AUTHENTICATE -> key == ApiKeys.SASL_AUTHENTICATE;
            case REFUSED, FAILED -> false;
        };
    }

    /** SaslHandshake: the error to answer with; on anything but NONE the client has failed. */
    public Errors handshake(String requested) {
        if (state != State.AWAITING_HANDSHAKE) {
            // Kafka answers a handshake outside the login (PLAINTEXT, or after it) the same way.
            return Errors.ILLEGAL_SASL_STATE;
        }
        if (!authentication.mechanisms().contains(requested)) {
            state = State.FAILED;
            return Errors.UNSUPPORTED_SASL_MECHANISM;
        }
        try {
            exchange = newExchange(requested);
        } catch (NoSuchAlgorithmException e) {
            state = State.FAILED;
            return Errors.UNSUPPORTED_SASL_MECHANISM;
        }
        mechanism = requested;
        state = State.AWAITING_AUTHENTICATE;
        return Errors.NONE;
    }

    /** A handshake whose version cannot go on (0: raw tokens would follow): the login has failed. */
    public Errors refuseHandshake() {
        if (state != State.AWAITING_HANDSHAKE) {
            return Errors.ILLEGAL_SASL_STATE;
        }
        state = State.FAILED;
        return Errors.UNSUPPORTED_VERSION;
    }

    public List<String> mechanisms() {
        return authentication.mechanisms();
    }

    public String mechanism() {
        return mechanism;
    }

    /** One SaslAuthenticate token, the answer to it. */
    public Step authenticate(byte[] token) {
        if (state != State.AWAITING_AUTHENTICATE) {
            String why = state == State.AUTHENTICATED
                    ? "SaslAuthenticate request received after successful authentication"
                    : "SaslAuthenticate request received before SaslHandshake";
            return new Step(Errors.ILLEGAL_SASL_STATE, why, new byte[0]);
        }
        try {
            byte[] challenge = exchange.evaluateResponse(token);
            if (exchange.isComplete()) {
                user = exchange.getAuthorizationID();
                state = State.AUTHENTICATED;
                exchange.dispose();
                exchange = null;
                authentication.credentials().loginSucceeded(remote);
            }
            return new Step(Errors.NONE, null, challenge == null ? new byte[0] : challenge);
        } catch (SaslAuthenticationException e) {
            // kafka-clients' servers throw this kind with a text meant for the client.
            return fail(e.getMessage());
        } catch (SaslException | RuntimeException e) {
            return fail("Authentication failed during authentication due to invalid credentials with SASL mechanism "
                    + mechanism);
        }
    }

    /** How long the answer to this connection's failed login waits (counts the failure for its address). */
    public long failedLoginDelayMs() {
        return authentication.credentials().failedLoginDelayMs(remote);
    }

    private Step fail(String why) {
        state = State.FAILED;
        exchange = null;
        return new Step(Errors.SASL_AUTHENTICATION_FAILED, why, new byte[0]);
    }

    private SaslServer newExchange(String name) throws NoSuchAlgorithmException {
        KafkaCredentials credentials = authentication.credentials();
        if (KafkaAuthentication.PLAIN.equals(name)) {
            return new PlainSaslServer(callbacks((username, callback) -> {
                if (callback instanceof PlainAuthenticateCallback plain) {
                    plain.authenticated(credentials.passwordMatches(username, new String(plain.password()), remote));
                    return true;
                }
                return false;
            }));
        }
        ScramMechanism scram = ScramMechanism.forMechanismName(name);
        return new ScramExchange(scram, username -> credentials.scramCredential(scram, username, remote));
    }

    /** A callback handler answering the name callback kafka-clients' servers send, then {@code answer} the rest. */
    private static CallbackHandler callbacks(CredentialAnswer answer) {
        return callbacks -> {
            String username = null;
            for (Callback callback : callbacks) {
                if (callback instanceof NameCallback name) {
                    username = name.getDefaultName();
                } else if (!answer.answer(username, callback)) {
                    throw new UnsupportedCallbackException(callback);
                }
            }
        };
    }

    @FunctionalInterface
    private interface CredentialAnswer {
        boolean answer(String username, Callback callback);
    }

    /** What a SaslAuthenticate request gets: an error (NONE on success or a step), its text, the server's bytes. */
    public record Step(Errors error, String message, byte[] challenge) {
    }
}
