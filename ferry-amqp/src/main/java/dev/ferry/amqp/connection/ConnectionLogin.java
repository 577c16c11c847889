package dev.ferry.amqp.connection;

import dev.ferry.amqp.auth.Authenticator;
import dev.ferry.amqp.auth.SaslCredentials;
import java.net.SocketAddress;

/**
 * Who one connection logged in as, and the checks of the secrets it presents: the SASL response of
 * connection.start-ok, and later each new secret of connection.update-secret (an OAuth 2 client
 * sends one when its token is refreshed). A new secret replaces the secret, never the user: it is
 * accepted only if the user who logged in could log in with it, from the same address.
 *
 * <p>Event loop only, like the connection that owns it.
 */
final class ConnectionLogin {
    private final Authenticator authenticator;
    private String mechanism;
    private String username;
    private String offeredUsername;
    private boolean externalOffered;
    /** The common name of the client's verified certificate; null without one. */
    private String certificateUser;

    ConnectionLogin(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    /**
     * Offers SASL EXTERNAL on this connection, a TLS connection whose listener asks for client
     * certificates: {@code username} is the common name of the certificate its handshake verified,
     * or null when the client sent none. As RabbitMQ with rabbitmq_auth_mechanism_ssl, the mechanism
     * is offered either way, and refused with the usual 403 text when there is no certificate.
     * Called before connection.start is sent.
     */
    void offerExternal(String username) {
        externalOffered = true;
        certificateUser = username;
    }

    /**
     * The mechanisms for connection.start, in the order of RabbitMQ's documented configuration
     * ({@code auth_mechanisms.1 = PLAIN}, {@code .2 = AMQPLAIN}, {@code .3 = EXTERNAL}).
     */
    String mechanisms() {
        return externalOffered ? SaslCredentials.MECHANISMS + " " + SaslCredentials.EXTERNAL : SaslCredentials.MECHANISMS;
    }

    /**
     * Checks start-ok's response. On success the user is known from then on; on failure nothing
     * changes but {@link #offeredUsername} (for the log line) and the mechanism.
     */
    boolean logIn(String saslMechanism, byte[] response, SocketAddress from) {
        mechanism = saslMechanism;
        if (externalOffered && SaslCredentials.EXTERNAL.equals(saslMechanism)) {
            return logInByCertificate(from);
        }
        SaslCredentials credentials = SaslCredentials.parse(saslMechanism, response);
        offeredUsername = credentials == null ? null : credentials.username();
        if (credentials == null || !authenticator.authenticate(credentials.username(), credentials.password(), from)) {
            return false;
        }
        username = credentials.username();
        return true;
    }

    private boolean logInByCertificate(SocketAddress from) {
        offeredUsername = certificateUser;
        if (certificateUser == null || !authenticator.authenticateByCertificate(certificateUser, from)) {
            return false;
        }
        username = certificateUser;
        return true;
    }

    /** The user who logged in; null before a successful login. */
    String username() {
        return username;
    }

    /** The user name a refused login offered, if its response could be read at all. */
    String offeredUsername() {
        return offeredUsername;
    }

    /**
     * RabbitMQ's text for a refused login: it names the mechanism and nothing else, so a client
     * cannot tell an unknown user from a wrong password.
     */
    String refusalText() {
        return "Login was refused using authentication mechanism " + mechanism + ". For details see the broker logfile.";
    }
}
