package dev.ferry.it.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultSaslConfig;
import dev.ferry.embedded.Ferry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --tls-fail-if-no-peer-cert} (RabbitMQ's {@code fail_if_no_peer_cert = true}, Kafka's
 * {@code ssl.client.auth=required}): a TLS client without a certificate does not get past the
 * handshake, on either TLS port; one with a certificate does.
 */
class ClientCertificateRequiredTest {
    @TempDir
    static Path directory;
    static TestCertificates authority;
    static TestCertificates.Issued client;
    /** In the test's JVM: nothing here kills it or reads its log. */
    static Ferry broker;

    @BeforeAll
    static void startBroker() throws IOException {
        authority = TestCertificates.authority(directory.resolve("ca"), "Ferry test CA");
        TestCertificates.Issued server = authority.server("server");
        client = authority.client("app", "app");
        broker = Ferry.builder().dataDir(directory.resolve("data")).settings(settings -> {
            settings.users = List.of("guest:guest", "app:unused");
            settings.tlsCert = server.certificate();
            settings.tlsKey = server.key();
            settings.tlsCa = authority.caCertificate;
            settings.tlsFailIfNoPeerCert = true;
            settings.amqpsPort = 0;
            settings.kafkaSslPort = 0;
        }).start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldRefuseTheHandshakeOfAClientWithoutACertificate() throws Exception {
        for (int port : new int[] {broker.amqpsPort(), broker.kafkaSslPort()}) {
            // TLS 1.2: the refusal comes within the handshake (in TLS 1.3 it follows the client's Finished).
            OpenSslClient.Result refused = OpenSslClient.connect(port, authority.caCertificate.toString(), "-tls1_2");
            OpenSslClient.Result accepted = OpenSslClient.connect(port, authority.caCertificate.toString(), "-tls1_2",
                    "-cert", client.certificate().toString(), "-key", client.key().toString());

            assertThat(refused.exitCode()).as(refused.output()).isNotZero();
            assertThat(refused.output()).contains("alert bad certificate");
            assertThat(accepted.handshook()).as(accepted.output()).isTrue();
        }
    }

    @Test
    void shouldLogInWithSaslExternalOnceTheCertificateIsThere() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("localhost");
        factory.setPort(broker.amqpsPort());
        factory.useSslProtocol(authority.clientContext(client));
        factory.enableHostnameVerification();
        factory.setSaslConfig(DefaultSaslConfig.EXTERNAL);
        try (Connection connection = factory.newConnection()) {
            assertThat(connection.isOpen()).isTrue();
        }
    }
}
