package dev.ferry.front.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading and reloading the TLS files, driven by hand ({@link TlsContextProvider#reloadIfChanged()}
 * instead of the timer), with self-signed certificates made by the {@code openssl} command.
 */
class TlsContextProviderTest {
    @TempDir
    Path directory;
    private Path certificate;
    private Path key;

    @BeforeEach
    void makeCertificate() throws Exception {
        certificate = directory.resolve("cert.pem");
        key = directory.resolve("key.pem");
        selfSigned("first", certificate, key);
    }

    @Test
    void shouldServeTheCertificateOfTheFiles() throws Exception {
        try (TlsContextProvider provider = TlsContextProvider.load(settings())) {
            assertThat(provider.certificate().getSerialNumber()).isEqualTo(serialOf(certificate));
            assertThat(provider.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=first");
        }
    }

    @Test
    void shouldReloadOnlyWhenAFileChanged() throws Exception {
        try (TlsContextProvider provider = TlsContextProvider.load(settings())) {
            assertThat(provider.reloadIfChanged()).as("nothing changed").isFalse();
            Path newCertificate = directory.resolve("new-cert.pem");
            Path newKey = directory.resolve("new-key.pem");
            selfSigned("second", newCertificate, newKey);

            Files.move(newKey, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.move(newCertificate, certificate, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

            assertThat(provider.reloadIfChanged()).isTrue();
            assertThat(provider.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=second");
            assertThat(provider.reloadIfChanged()).as("already loaded").isFalse();
        }
    }

    @Test
    void shouldKeepTheCurrentContextWhileTheNewFilesAreBadAndTakeThemOnceGood() throws Exception {
        try (TlsContextProvider provider = TlsContextProvider.load(settings())) {
            BigInteger served = provider.certificate().getSerialNumber();
            Path otherCertificate = directory.resolve("other-cert.pem");
            Path otherKey = directory.resolve("other-key.pem");
            selfSigned("other", otherCertificate, otherKey);

            Files.copy(otherKey, key, StandardCopyOption.REPLACE_EXISTING);
            assertThat(provider.reloadIfChanged()).as("a key of another certificate").isFalse();
            assertThat(provider.certificate().getSerialNumber()).isEqualTo(served);
            assertThat(provider.reloadIfChanged()).as("the same bad files are not tried again").isFalse();

            Files.copy(otherCertificate, certificate, StandardCopyOption.REPLACE_EXISTING);
            assertThat(provider.reloadIfChanged()).as("the pair is complete").isTrue();
            assertThat(provider.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=other");
        }
    }

    @Test
    void shouldRefuseAKeyOfAnotherCertificate() throws Exception {
        Path otherKey = directory.resolve("other-key.pem");
        selfSigned("other", directory.resolve("other-cert.pem"), otherKey);

        assertThatThrownBy(() -> TlsContextProvider.load(new TlsSettings(certificate, otherKey, null, false, 0)))
                .isInstanceOf(TlsConfigurationException.class)
                .hasMessage("tls-key " + otherKey + " is not the private key of the certificate in tls-cert " + certificate
                        + " (CN=first)");
    }

    @Test
    void shouldNameTheConversionForAKeyInTheOlderForm() throws Exception {
        Path sec1 = directory.resolve("sec1.pem");
        openssl("ec", "-in", key.toString(), "-out", sec1.toString());

        assertThatThrownBy(() -> TlsContextProvider.load(new TlsSettings(certificate, sec1, null, false, 0)))
                .isInstanceOf(TlsConfigurationException.class)
                .hasMessageContaining("holds a 'EC PRIVATE KEY'")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in " + sec1);
    }

    @Test
    void shouldRefuseAFileThatIsNotACertificate() throws Exception {
        Files.writeString(certificate, "hello\n");

        assertThatThrownBy(() -> TlsContextProvider.load(settings())).isInstanceOf(TlsConfigurationException.class)
                .hasMessageStartingWith("tls-cert " + certificate);
    }

    @Test
    void shouldRequireTrustedAuthoritiesToRequireClientCertificates() {
        assertThatThrownBy(() -> new TlsSettings(certificate, key, null, true, 0))
                .isInstanceOf(TlsConfigurationException.class).hasMessageContaining("tls-fail-if-no-peer-cert needs tls-ca");
    }

    @Test
    void shouldTakeTheMostSpecificCommonName() throws Exception {
        Path named = directory.resolve("named.pem");
        openssl("req", "-new", "-x509", "-key", key.toString(), "-out", named.toString(), "-days", "1",
                "-subj", "/O=Example/OU=Apps/CN=app", "-config", config().toString());

        X509Certificate x509 = read(named);
        assertThat(TlsPeer.commonName(x509)).contains("app");
        assertThat(TlsPeer.distinguishedName(x509)).isEqualTo("CN=app,OU=Apps,O=Example");
    }

    private TlsSettings settings() {
        return new TlsSettings(certificate, key, null, false, 0);
    }

    private void selfSigned(String commonName, Path certificateFile, Path keyFile) throws Exception {
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile.toString());
        openssl("req", "-new", "-x509", "-key", keyFile.toString(), "-out", certificateFile.toString(), "-days", "1",
                "-subj", "/CN=" + commonName, "-set_serial", "0x" + Long.toHexString(System.nanoTime()),
                "-config", config().toString());
    }

    private Path config() throws IOException {
        Path config = directory.resolve("req.cnf");
        Files.writeString(config, "[req]\ndistinguished_name = dn\n[dn]\n");
        return config;
    }

    private static BigInteger serialOf(Path file) throws Exception {
        return read(file).getSerialNumber();
    }

    private static X509Certificate read(Path file) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(file)));
    }

    private static void openssl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
    }
}
