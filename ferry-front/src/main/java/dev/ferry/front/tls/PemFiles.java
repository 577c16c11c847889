package dev.ferry.front.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files a TLS listener is configured with and checks what a TLS library would only
 * find out during a client's handshake: that the key is the certificate's. Every failure is a
 * {@link TlsConfigurationException} naming the file and saying how to fix it.
 *
 * <p>Keys are read as unencrypted PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}, what OpenSSL 3
 * writes by default) with the JDK's own key factories, so no extra library is needed; the older
 * forms ({@code BEGIN RSA PRIVATE KEY}, {@code BEGIN EC PRIVATE KEY}) and encrypted keys are
 * refused with the {@code openssl pkcs8} command that converts them.
 */
final class PemFiles {
    private static final Pattern KEY_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----([^-]*)-----END \\1PRIVATE KEY-----");
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448"};

    private PemFiles() {
    }

    /** The certificates of {@code file}, in file order (the server's first, then its intermediates). */
    static List<X509Certificate> certificates(Path file, String setting) {
        byte[] bytes = read(file, setting);
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (var certificate : factory.generateCertificates(new ByteArrayInputStream(bytes))) {
                certificates.add((X509Certificate) certificate);
            }
        } catch (CertificateException e) {
            throw new TlsConfigurationException(setting + " " + file + " is not a PEM certificate file: " + e.getMessage());
        }
        if (certificates.isEmpty()) {
            throw new TlsConfigurationException(setting + " " + file + " holds no certificate (expected "
                    + "-----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    /** The private key of {@code file}. */
    static PrivateKey privateKey(Path file, String setting) {
        String text = new String(read(file, setting), StandardCharsets.US_ASCII);
        Matcher block = KEY_BLOCK.matcher(text);
        if (!block.find()) {
            throw new TlsConfigurationException(setting + " " + file + " holds no PEM private key (expected "
                    + "-----BEGIN PRIVATE KEY-----)");
        }
        String kind = block.group(1).strip();
        if (!kind.isEmpty()) {
            throw new TlsConfigurationException(setting + " " + file + " holds a '" + kind + " PRIVATE KEY'; Ferry reads "
                    + "unencrypted PKCS#8 keys: convert it with 'openssl pkcs8 -topk8 -nocrypt -in " + file
                    + " -out key.pem'");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(block.group(2).strip());
        } catch (IllegalArgumentException e) {
            throw new TlsConfigurationException(setting + " " + file + ": the private key is not valid base64");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | RuntimeException notThisAlgorithm) {
                // Try the next one: PKCS#8 names the algorithm inside, but the JDK wants it up front.
            }
        }
        throw new TlsConfigurationException(setting + " " + file + ": the private key is none of RSA, EC, Ed25519 or Ed448, "
                + "or is damaged");
    }

    /**
     * Fails unless {@code key} signs what the certificate's public key verifies: a key and a
     * certificate from different pairs would only fail in every client's handshake.
     */
    static void requireMatchingKey(PrivateKey key, X509Certificate certificate, Path keyFile, Path certificateFile) {
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        PublicKey publicKey = certificate.getPublicKey();
        boolean matches;
        try {
            String algorithm = signatureAlgorithm(key);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new TlsConfigurationException("tls-key " + keyFile + " is not the private key of the certificate in "
                    + "tls-cert " + certificateFile + " (" + certificate.getSubjectX500Principal().getName() + ")");
        }
    }

    private static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA sign with their own names
        };
    }

    private static byte[] read(Path file, String setting) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TlsConfigurationException(setting + " " + file + " cannot be read: " + e);
        }
    }
}
