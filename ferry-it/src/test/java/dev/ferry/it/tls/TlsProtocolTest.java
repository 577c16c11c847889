package dev.ferry.it.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the TLS ports accept, seen by OpenSSL's client: TLS 1.2 and 1.3 with forward-secret AEAD
 * suites, nothing older and no CBC suite; and plain text sent to a TLS port closes that connection
 * only, with one log line.
 */
class TlsProtocolTest {
    @TempDir
    static Path directory;
    static TestCertificates authority;
    static BrokerProcess broker;
    static String caFile;

    @BeforeAll
    static void startBroker() throws IOException {
        authority = TestCertificates.authority(directory.resolve("ca"), "Ferry test CA");
        TestCertificates.Issued server = authority.server("server");
        caFile = authority.caCertificate.toString();
        broker = BrokerProcess.start(directory.resolve("data"), "--tls-cert", server.certificate().toString(),
                "--tls-key", server.key().toString(), "--amqps-port", "0", "--kafka-ssl-port", "0");
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldAcceptTls13() throws Exception {
        OpenSslClient.Result result = OpenSslClient.connect(broker.amqpsPort(), caFile, "-tls1_3");

        assertThat(result.handshook()).as(result.output()).isTrue();
        assertThat(result.output()).contains("Protocol version: TLSv1.3");
    }

    @Test
    void shouldAcceptTls12WithAnEcdheAeadSuite() throws Exception {
        OpenSslClient.Result result = OpenSslClient.connect(broker.amqpsPort(), caFile, "-tls1_2");

        assertThat(result.handshook()).as(result.output()).isTrue();
        assertThat(result.output()).contains("Protocol version: TLSv1.2").containsPattern("Ciphersuite: ECDHE-\\S+-(GCM|CHACHA20)");
    }

    @Test
    void shouldRefuseTls11() throws Exception {
        // SECLEVEL=0: OpenSSL 3 would not even offer TLS 1.1 otherwise, and the refusal must be the broker's.
        OpenSslClient.Result result = OpenSslClient.connect(broker.amqpsPort(), caFile, "-tls1_1",
                "-cipher", "DEFAULT:@SECLEVEL=0");

        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains("alert protocol version");
    }

    @Test
    void shouldRefuseTls12SuitesWithoutAead() throws Exception {
        OpenSslClient.Result result = OpenSslClient.connect(broker.amqpsPort(), caFile, "-tls1_2",
                "-cipher", "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384");

        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains("handshake failure");
    }

    @Test
    void shouldServeTheKafkaSslPortWithTheSameCertificate() throws Exception {
        OpenSslClient.Result result = OpenSslClient.connect(broker.kafkaSslPort(), caFile);

        assertThat(result.handshook()).as(result.output()).isTrue();
        assertThat(result.output()).contains("Protocol version: TLSv1.3");
    }

    @Test
    void shouldCloseAPlainTextConnectionToTheAmqpsPortAndCarryOn() throws Exception {
        assertClosedAfterPlainText(broker.amqpsPort(), new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 1});
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(broker.output()).anyMatch(line ->
                line.contains("AMQPS connection") && line.contains("TLS handshake failed: not TLS")));

        ConnectionFactory factory = new ConnectionFactory();
        factory.setPort(broker.amqpsPort());
        factory.useSslProtocol(authority.clientContext());
        try (Connection connection = factory.newConnection()) {
            assertThat(connection.isOpen()).isTrue();
        }
        assertThat(broker.isAlive()).isTrue();
    }

    @Test
    void shouldCloseAPlainTextConnectionToTheKafkaSslPortAndCarryOn() throws Exception {
        // An ApiVersions v3 request as a plain-text Kafka client would send it.
        byte[] apiVersions = {0, 0, 0, 10, 0, 18, 0, 3, 0, 0, 0, 1, -1, -1};
        assertClosedAfterPlainText(broker.kafkaSslPort(), apiVersions);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(broker.output()).anyMatch(line ->
                line.contains("Kafka SSL connection") && line.contains("TLS handshake failed: not TLS")));

        OpenSslClient.Result result = OpenSslClient.connect(broker.kafkaSslPort(), caFile);
        assertThat(result.handshook()).as(result.output()).isTrue();
    }

    /** Writes {@code plainText} and expects the broker to close the socket, not to wait for more. */
    private static void assertClosedAfterPlainText(int port, byte[] plainText) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(plainText);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            int read;
            try {
                // Whatever alert the TLS layer sends first, the stream must end.
                do {
                    read = in.read();
                } while (read >= 0);
            } catch (SocketException reset) {
                read = -1;
            }
            assertThat(read).isEqualTo(-1);
        }
    }
}
