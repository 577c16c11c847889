package dev.ferry.it.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates replaced on disk are taken without a restart: new connections get the new
 * certificate, connections already open carry on, and files that do not make a good certificate
 * leave the one in use in place, with an ERROR. One broker process for the class (its log is
 * read): each test starts from whatever certificate is served and reads only the log lines that
 * came after its own start.
 */
class TlsReloadTest {
    @TempDir
    static Path directory;
    private static TestCertificates authority;
    private static Path liveCertificate;
    private static Path liveKey;
    private static BrokerProcess broker;

    @BeforeAll
    static void startBroker() throws IOException {
        authority = TestCertificates.authority(directory.resolve("ca"), "Ferry test CA");
        TestCertificates.Issued first = authority.server("first");
        liveCertificate = directory.resolve("live-cert.pem");
        liveKey = directory.resolve("live-key.pem");
        install(first);
        broker = BrokerProcess.start(directory.resolve("data"), "--tls-cert", liveCertificate.toString(),
                "--tls-key", liveKey.toString(), "--amqps-port", "0", "--kafka-ssl-port", "-1",
                "--tls-reload-interval-ms", "200");
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldServeReplacedFilesToNewConnectionsWhileOpenOnesCarryOn() throws Exception {
        int linesBefore = broker.output().size();
        BigInteger firstSerial = servedCertificate().getSerialNumber();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("localhost");
        factory.setPort(broker.amqpsPort());
        factory.useSslProtocol(authority.clientContext());
        factory.enableHostnameVerification();
        try (Connection before = factory.newConnection(); Channel channel = before.createChannel()) {
            String queue = channel.queueDeclare().getQueue();
            TestCertificates.Issued second = authority.server("second");
            BigInteger secondSerial = second.x509().getSerialNumber();
            assertThat(secondSerial).isNotEqualTo(firstSerial);

            install(second);

            await().atMost(Duration.ofSeconds(10)).until(() -> servedCertificate().getSerialNumber(), secondSerial::equals);
            channel.basicPublish("", queue, null, "after the reload".getBytes(StandardCharsets.UTF_8));
            GetResponse got = await().atMost(Duration.ofSeconds(10)).until(() -> channel.basicGet(queue, true),
                    response -> response != null);
            assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("after the reload");
            try (Connection after = factory.newConnection()) {
                assertThat(after.isOpen()).isTrue();
            }
        }
        assertThat(outputSince(linesBefore))
                .anyMatch(line -> line.contains("TLS files reloaded: new connections get certificate"));
    }

    @Test
    void shouldKeepTheCurrentCertificateWhenTheNewFilesAreBad() throws Exception {
        int linesBefore = broker.output().size();
        BigInteger servedSerial = servedCertificate().getSerialNumber();
        TestCertificates.Issued other = authority.server("other");

        // The other pair's key beside the current certificate: a key that is not the certificate's.
        Files.copy(other.key(), liveKey, StandardCopyOption.REPLACE_EXISTING);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(outputSince(linesBefore))
                .anyMatch(line -> line.contains("ERROR")
                        && line.contains("TLS files not reloaded, the current certificate stays in use")
                        && line.contains("is not the private key of the certificate")));
        assertThat(servedCertificate().getSerialNumber()).isEqualTo(servedSerial);

        int linesBeforeGarbage = broker.output().size();
        Files.writeString(liveKey, "not a key at all\n");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(outputSince(linesBeforeGarbage))
                .anyMatch(line -> line.contains("ERROR") && line.contains("holds no PEM private key")));
        assertThat(servedCertificate().getSerialNumber()).isEqualTo(servedSerial);
        assertThat(broker.isAlive()).isTrue();
    }

    /** Puts a certificate and its key in place as an operator's renewal job would, each file renamed over the old. */
    private static void install(TestCertificates.Issued issued) throws IOException {
        Path certificate = Files.copy(issued.certificate(), directory.resolve("incoming-cert.pem"),
                StandardCopyOption.REPLACE_EXISTING);
        Path key = Files.copy(issued.key(), directory.resolve("incoming-key.pem"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(key, liveKey, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(certificate, liveCertificate, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The broker's log lines after the first {@code lines}: what a test's own actions made it write. */
    private static List<String> outputSince(int lines) {
        List<String> output = broker.output();
        return output.subList(Math.min(lines, output.size()), output.size());
    }

    /** The certificate a new TLS connection to the AMQPS port is given. */
    private static X509Certificate servedCertificate() throws IOException, GeneralSecurityException {
        try (SSLSocket socket = (SSLSocket) authority.clientContext().getSocketFactory()
                .createSocket("127.0.0.1", broker.amqpsPort())) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
