package dev.ferry.it.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.net.Socket;
import java.security.Principal;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate authority made at test time with the {@code openssl} command, as an operator would
 * make one, and the certificates it issues: a server certificate for 127.0.0.1, ::1 and localhost,
 * client certificates with a given common name. Keys are EC P-256 in PKCS#8 PEM, what
 * {@code openssl genpkey} writes. Also the Java {@link SSLContext}s a client builds from those files.
 */
final class TestCertificates {
    private static final char[] KEY_STORE_PASSWORD = "unused".toCharArray();

    private final Path directory;
    final Path caCertificate;
    private final Path caKey;

    private TestCertificates(Path directory) {
        this.directory = directory;
        this.caCertificate = directory.resolve("ca.pem");
        this.caKey = directory.resolve("ca.key");
    }

    /** A new authority named {@code name}, its files in {@code directory}. */
    static TestCertificates authority(Path directory, String name) throws IOException {
        Files.createDirectories(directory);
        TestCertificates authority = new TestCertificates(directory);
        Path config = directory.resolve("ca.cnf");
        Files.writeString(config, """
                [req]
                distinguished_name = dn
                [dn]
                [v3_ca]
                basicConstraints = critical, CA:TRUE
                keyUsage = critical, keyCertSign, cRLSign
                subjectKeyIdentifier = hash
                """);
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", authority.caKey.toString());
        openssl("req", "-new", "-x509", "-key", authority.caKey.toString(), "-out", authority.caCertificate.toString(),
                "-days", "2", "-subj", "/CN=" + name, "-config", config.toString(), "-extensions", "v3_ca");
        return authority;
    }

    /** A server certificate for this machine's loopback names, in {@code <name>.pem} and {@code <name>.key}. */
    Issued server(String name) throws IOException {
        return issue(name, "/O=Ferry tests/CN=localhost", """
                basicConstraints = CA:FALSE
                keyUsage = critical, digitalSignature, keyEncipherment
                extendedKeyUsage = serverAuth
                subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
                """);
    }

    /** A client certificate whose subject is {@code /O=Ferry tests/CN=<commonName>}. */
    Issued client(String name, String commonName) throws IOException {
        return issue(name, "/O=Ferry tests/CN=" + commonName, """
                basicConstraints = CA:FALSE
                keyUsage = critical, digitalSignature
                extendedKeyUsage = clientAuth
                """);
    }

    private Issued issue(String name, String subject, String extensions) throws IOException {
        Path key = directory.resolve(name + ".key");
        Path request = directory.resolve(name + ".csr");
        Path certificate = directory.resolve(name + ".pem");
        Path extensionFile = directory.resolve(name + ".ext");
        Path config = directory.resolve("req.cnf");
        Files.writeString(config, "[req]\ndistinguished_name = dn\n[dn]\n");
        Files.writeString(extensionFile, extensions);
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
        openssl("req", "-new", "-key", key.toString(), "-subj", subject, "-out", request.toString(), "-config",
                config.toString());
        openssl("x509", "-req", "-in", request.toString(), "-CA", caCertificate.toString(), "-CAkey", caKey.toString(),
                "-set_serial", "0x" + Long.toHexString(System.nanoTime()), "-days", "2", "-out", certificate.toString(),
                "-extfile", extensionFile.toString());
        return new Issued(certificate, key);
    }

    /** A certificate and its key, as PEM files. */
    record Issued(Path certificate, Path key) {
        X509Certificate x509() throws IOException, GeneralSecurityException {
            return readCertificates(certificate).get(0);
        }
    }

    /** A client context that trusts this authority only and presents no certificate. */
    SSLContext clientContext() throws IOException, GeneralSecurityException {
        return clientContext(null);
    }

    /** A client context that trusts this authority only and presents {@code identity} when asked. */
    SSLContext clientContext(Issued identity) throws IOException, GeneralSecurityException {
        return clientContext(identity, false);
    }

    /**
     * A client context that presents {@code identity} even when the server names authorities that
     * did not issue it (Java's key manager would otherwise send no certificate at all): how a
     * client with a certificate from elsewhere is tried.
     */
    SSLContext clientContextPresentingAnyway(Issued identity) throws IOException, GeneralSecurityException {
        return clientContext(identity, true);
    }

    private SSLContext clientContext(Issued identity, boolean presentAnyway) throws IOException, GeneralSecurityException {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", readCertificates(caCertificate).get(0));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        KeyManagerFactory keys = null;
        if (identity != null) {
            KeyStore own = KeyStore.getInstance("PKCS12");
            own.load(null, null);
            own.setKeyEntry("client", readKey(identity.key()), KEY_STORE_PASSWORD,
                    readCertificates(identity.certificate()).toArray(Certificate[]::new));
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(own, KEY_STORE_PASSWORD);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        KeyManager[] keyManagers = keys == null ? null : keys.getKeyManagers();
        if (presentAnyway) {
            keyManagers = new KeyManager[] {new AlwaysPresenting((X509ExtendedKeyManager) keyManagers[0])};
        }
        context.init(keyManagers, trust.getTrustManagers(), null);
        return context;
    }

    /** Chooses the one client certificate whatever issuers the server asks for. */
    private static final class AlwaysPresenting extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager keys;

        AlwaysPresenting(X509ExtendedKeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"client"};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "client";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "client";
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }

    static List<X509Certificate> readCertificates(Path file) throws IOException, GeneralSecurityException {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Certificate certificate : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)))) {
            certificates.add((X509Certificate) certificate);
        }
        return certificates;
    }

    private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    /** Runs {@code openssl} with {@code arguments}; fails with its output unless it exits 0. */
    static String openssl(String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("openssl did not finish: " + command);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ":\n" + output);
        }
        return output;
    }
}
