package dev.ferry.it.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker told to serve TLS with files it cannot use does not start: it says which file and why,
 * and exits with 2 like any other wrong setting.
 */
class TlsStartupTest {
    private static final int EXIT_USAGE = 2;

    @TempDir
    Path directory;
    private TestCertificates authority;
    private TestCertificates.Issued server;

    @BeforeEach
    void makeCertificates() throws IOException {
        authority = TestCertificates.authority(directory.resolve("ca"), "Ferry test CA");
        server = authority.server("server");
    }

    @Test
    void shouldRefuseToStartWithAMissingCertificateFile() throws Exception {
        Path missing = directory.resolve("no-such-cert.pem");

        String output = expectExit(EXIT_USAGE, "--tls-cert", missing.toString(), "--tls-key", server.key().toString());

        assertThat(output).contains("tls-cert " + missing + " cannot be read");
    }

    @Test
    void shouldRefuseToStartWithAKeyOfAnotherCertificate() throws Exception {
        TestCertificates.Issued other = authority.server("other");

        String output = expectExit(EXIT_USAGE, "--tls-cert", server.certificate().toString(),
                "--tls-key", other.key().toString());

        assertThat(output).contains("tls-key " + other.key() + " is not the private key of the certificate in tls-cert "
                + server.certificate());
    }

    @Test
    void shouldExplainHowToConvertAKeyInTheOlderForm() throws Exception {
        Path sec1 = directory.resolve("sec1.key");
        TestCertificates.openssl("ec", "-in", server.key().toString(), "-out", sec1.toString());

        String output = expectExit(EXIT_USAGE, "--tls-cert", server.certificate().toString(), "--tls-key", sec1.toString());

        assertThat(output).contains("holds a 'EC PRIVATE KEY'").contains("openssl pkcs8 -topk8 -nocrypt -in " + sec1);
    }

    @Test
    void shouldRefuseATlsPortWithoutACertificate() throws Exception {
        String output = expectExit(EXIT_USAGE, "--amqps-port", "5671");

        assertThat(output).contains("amqps-port needs tls-cert and tls-key");
    }

    @Test
    void shouldRefuseACertificateWithoutItsKey() throws Exception {
        String output = expectExit(EXIT_USAGE, "--tls-cert", server.certificate().toString());

        assertThat(output).contains("tls-cert needs tls-key");
    }

    private String expectExit(int exitCode, String... tlsArguments) throws IOException {
        // The TLS ports keep their defaults (5671, 9093): the files are checked before any port is bound.
        List<String> arguments = new ArrayList<>(List.of("--data-dir", directory.resolve("data").toString(),
                "--amqp-port", "0"));
        arguments.addAll(List.of(tlsArguments));
        try (BrokerProcess broker = BrokerProcess.launch(arguments)) {
            int exit = broker.awaitExit(Duration.ofSeconds(30));
            String output = String.join("\n", broker.output());
            assertThat(exit).as(output).isEqualTo(exitCode);
            return output;
        }
    }
}
