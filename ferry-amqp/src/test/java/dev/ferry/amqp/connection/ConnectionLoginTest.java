package dev.ferry.amqp.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.amqp.auth.PasswordAuthenticator;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.junit.jupiter.api.Test;

/**
 * SASL EXTERNAL: the user named by a verified client certificate, offered on connections whose
 * listener asks for certificates, refused (with RabbitMQ's text) without one.
 */
class ConnectionLoginTest {
    private static final SocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 40000);
    private static final SocketAddress REMOTE = new InetSocketAddress("192.0.2.7", 40000);
    private static final byte[] NO_RESPONSE = new byte[0];

    private final PasswordAuthenticator users = PasswordAuthenticator.builder()
            .user("app", "app-password").loopbackUser("guest", "guest").build();

    @Test
    void shouldOfferExternalLastWhereCertificatesAreAskedFor() {
        ConnectionLogin plain = new ConnectionLogin(users);
        ConnectionLogin withoutCertificate = new ConnectionLogin(users);
        withoutCertificate.offerExternal(null);

        assertThat(plain.mechanisms()).isEqualTo("PLAIN AMQPLAIN");
        assertThat(withoutCertificate.mechanisms()).isEqualTo("PLAIN AMQPLAIN EXTERNAL");
    }

    @Test
    void shouldRefuseExternalWhereItWasNotOffered() {
        ConnectionLogin login = new ConnectionLogin(users);

        assertThat(login.logIn("EXTERNAL", NO_RESPONSE, LOOPBACK)).isFalse();
    }

    @Test
    void shouldLogInAsTheCertificatesUserWhateverTheResponseSays() {
        ConnectionLogin login = new ConnectionLogin(users);
        login.offerExternal("app");

        assertThat(login.logIn("EXTERNAL", "guest".getBytes(), REMOTE)).isTrue();
        assertThat(login.username()).isEqualTo("app");
    }

    @Test
    void shouldRefuseExternalWithoutACertificate() {
        ConnectionLogin login = new ConnectionLogin(users);
        login.offerExternal(null);

        assertThat(login.logIn("EXTERNAL", NO_RESPONSE, LOOPBACK)).isFalse();
        assertThat(login.username()).isNull();
        assertThat(login.refusalText())
                .isEqualTo("Login was refused using authentication mechanism EXTERNAL. For details see the broker logfile.");
    }

    @Test
    void shouldRefuseACertificateNamingNoUser() {
        ConnectionLogin login = new ConnectionLogin(users);
        login.offerExternal("stranger");

        assertThat(login.logIn("EXTERNAL", NO_RESPONSE, LOOPBACK)).isFalse();
        assertThat(login.offeredUsername()).isEqualTo("stranger");
    }

    @Test
    void shouldKeepALoopbackUserToLoopbackWithACertificateToo() {
        ConnectionLogin remote = new ConnectionLogin(users);
        remote.offerExternal("guest");
        ConnectionLogin local = new ConnectionLogin(users);
        local.offerExternal("guest");

        assertThat(remote.logIn("EXTERNAL", NO_RESPONSE, REMOTE)).isFalse();
        assertThat(local.logIn("EXTERNAL", NO_RESPONSE, LOOPBACK)).isTrue();
    }
}
