package dev.ferry.front.tls;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a TLS listener's certificate, key and trusted client-certificate authorities are, and how
 * client certificates are treated. The names follow RabbitMQ's {@code ssl_options}: with a
 * {@code trustedCaFile} the server asks every client for a certificate and verifies the one it
 * gets ({@code verify = verify_peer}); {@code failIfNoPeerCertificate} also refuses a client that
 * sends none ({@code fail_if_no_peer_cert = true}). In Kafka's words: {@code ssl.client.auth}
 * {@code requested} and {@code required}.
 *
 * @param certificateFile          PEM: the server's certificate, then any intermediates
 * @param keyFile                  PEM: the certificate's private key, unencrypted PKCS#8 ("BEGIN PRIVATE KEY")
 * @param trustedCaFile            PEM: the authorities client certificates must chain to; null: no client certificates
 * @param failIfNoPeerCertificate  refuse a client without a certificate (needs {@code trustedCaFile})
 * @param reloadIntervalMs         how often the files' modification times are checked; 0: never reloaded
 */
public record TlsSettings(Path certificateFile, Path keyFile, Path trustedCaFile, boolean failIfNoPeerCertificate,
                          long reloadIntervalMs) {
    /** RabbitMQ and Kafka reload certificates only on request; Ferry looks every 10 s. */
    public static final long DEFAULT_RELOAD_INTERVAL_MS = 10_000;

    public TlsSettings {
        Objects.requireNonNull(certificateFile, "certificateFile");
        Objects.requireNonNull(keyFile, "keyFile");
        if (failIfNoPeerCertificate && trustedCaFile == null) {
            throw new TlsConfigurationException("tls-fail-if-no-peer-cert needs tls-ca: the authorities client "
                    + "certificates are verified against");
        }
        if (reloadIntervalMs < 0) {
            throw new TlsConfigurationException("tls-reload-interval-ms must be 0 (never) or more, got " + reloadIntervalMs);
        }
    }

    /** Whether clients are asked for a certificate (and any they send is verified). */
    public boolean verifiesPeers() {
        return trustedCaFile != null;
    }
}
