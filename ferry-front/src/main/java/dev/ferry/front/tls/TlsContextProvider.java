package dev.ferry.front.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-side TLS context every TLS listener of the broker shares (AMQPS, Kafka SSL, and HTTPS
 * once the HTTP server exists), built from PEM files and rebuilt when they change.
 *
 * <p>Protocols are TLS 1.3 and 1.2 only; cipher suites are AEAD ones with forward secrecy (TLS 1.3's
 * three, and for TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305), as far as the provider supports
 * them. The provider is OpenSSL when netty-tcnative is on the class path, the JDK's otherwise.
 *
 * <p>Reloading: a timer thread of its own (never an event loop, which must not wait on a disk)
 * compares the files' modification times, sizes and file keys with those of the last attempt; when
 * one changed it builds a new context and swaps it in with a single volatile write. Connections
 * accepted after that handshake with the new certificate; open connections keep the session they
 * have. Files that do not make a good context (half written, key and certificate from different
 * pairs) are logged as an ERROR once per change and the previous context stays.
 *
 * <p>Thread-safe: {@link #newHandler} is called on any event loop.
 */
public final class TlsContextProvider implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TlsContextProvider.class);
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** Preference order: TLS 1.3's suites, then TLS 1.2's ECDHE AEAD suites, ECDSA before RSA. */
    static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_128_GCM_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private final TlsSettings settings;
    private volatile Loaded current;
    private ScheduledExecutorService reloader;
    /** The files as they were at the last attempt, good or bad: a bad change is reported once. */
    private List<FileStamp> lastAttempt;

    private TlsContextProvider(TlsSettings settings, Loaded first, List<FileStamp> stamps) {
        this.settings = settings;
        this.current = first;
        this.lastAttempt = stamps;
    }

    /**
     * Reads the files and builds the first context; throws {@link TlsConfigurationException} naming
     * the file at fault, so the broker does not start with TLS it cannot serve.
     */
    public static TlsContextProvider load(TlsSettings settings) {
        List<FileStamp> stamps = stamps(settings);
        Loaded first = build(settings);
        TlsContextProvider provider = new TlsContextProvider(settings, first, stamps);
        LOG.info("TLS: {}; {}; protocols {}; {} provider", first.describe(), clientCertificatePolicy(settings),
                String.join(", ", PROTOCOLS), SslContext.defaultServerProvider() == SslProvider.OPENSSL ? "OpenSSL" : "JDK");
        warnIfOutsideValidity(first.certificate());
        return provider;
    }

    /** Starts checking the files every {@link TlsSettings#reloadIntervalMs()}; does nothing when that is 0. */
    public synchronized void startReloading() {
        if (settings.reloadIntervalMs() == 0 || reloader != null) {
            return;
        }
        reloader = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "ferry-tls-reload");
            thread.setDaemon(true);
            return thread;
        });
        reloader.scheduleWithFixedDelay(this::reloadIfChanged, settings.reloadIntervalMs(), settings.reloadIntervalMs(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Rebuilds the context if a file changed since the last attempt; returns whether a new context
     * is now in use. Runs on the reload thread (or a test's); never throws.
     */
    public boolean reloadIfChanged() {
        List<FileStamp> now;
        try {
            now = stamps(settings);
        } catch (TlsConfigurationException e) {
            // A file being replaced can be briefly missing; the next round sees it again.
            synchronized (this) {
                if (lastAttempt != null) {
                    LOG.error("TLS files not reloaded, the current certificate stays in use: {}", e.getMessage());
                    lastAttempt = null;
                }
            }
            return false;
        }
        synchronized (this) {
            if (now.equals(lastAttempt)) {
                return false;
            }
            lastAttempt = now;
        }
        try {
            Loaded next = build(settings);
            current = next;
            LOG.info("TLS files reloaded: new connections get {}", next.describe());
            warnIfOutsideValidity(next.certificate());
            return true;
        } catch (TlsConfigurationException e) {
            LOG.error("TLS files not reloaded, the current certificate stays in use: {}", e.getMessage());
            return false;
        }
    }

    /** A handler for a newly accepted connection, with the context in use right now. */
    public SslHandler newHandler(ByteBufAllocator allocator) {
        return current.context().newHandler(allocator);
    }

    /**
     * Makes an accepted socket a TLS server connection: a {@code SslHandler} ("tls") with the
     * context in use right now, then {@link TlsHandshakeFailures} ("tls-failures"). Call it first in
     * the pipeline initializer; the protocol's handlers go after, and see only decrypted bytes.
     *
     * @param listener the listener's name in log lines ("AMQPS", "Kafka SSL", "HTTPS")
     */
    public void addTo(ChannelPipeline pipeline, String listener) {
        pipeline.addLast("tls", newHandler(pipeline.channel().alloc()));
        pipeline.addLast("tls-failures", new TlsHandshakeFailures(listener));
    }

    /** The server certificate new connections are given. */
    public X509Certificate certificate() {
        return current.certificate();
    }

    /** The certificates of {@code tls-cert} in use (the server's first, then any intermediates), as last loaded. */
    public List<X509Certificate> certificateChain() {
        return current.chain();
    }

    /** The certificates of {@code tls-ca} in use, as last loaded; empty without one. */
    public List<X509Certificate> trustedAuthorities() {
        return current.authorities();
    }

    public TlsSettings settings() {
        return settings;
    }

    @Override
    public synchronized void close() {
        if (reloader != null) {
            reloader.shutdownNow();
            reloader = null;
        }
    }

    private static Loaded build(TlsSettings settings) {
        List<X509Certificate> chain = PemFiles.certificates(settings.certificateFile(), "tls-cert");
        PrivateKey key = PemFiles.privateKey(settings.keyFile(), "tls-key");
        PemFiles.requireMatchingKey(key, chain.get(0), settings.keyFile(), settings.certificateFile());
        SslContextBuilder builder = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                .protocols(PROTOCOLS)
                .ciphers(CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE);
        List<X509Certificate> authorities = List.of();
        if (settings.verifiesPeers()) {
            authorities = PemFiles.certificates(settings.trustedCaFile(), "tls-ca");
            builder.trustManager(authorities.toArray(X509Certificate[]::new))
                    .clientAuth(settings.failIfNoPeerCertificate() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        try {
            return new Loaded(builder.build(), List.copyOf(chain), List.copyOf(authorities));
        } catch (SSLException | RuntimeException e) {
            throw new TlsConfigurationException("TLS context from tls-cert " + settings.certificateFile() + " and tls-key "
                    + settings.keyFile() + " cannot be built: " + e.getMessage(), e);
        }
    }

    private static String clientCertificatePolicy(TlsSettings settings) {
        if (!settings.verifiesPeers()) {
            return "client certificates not requested";
        }
        return "client certificates requested and verified against " + settings.trustedCaFile()
                + (settings.failIfNoPeerCertificate() ? ", required (fail_if_no_peer_cert)" : ", optional (verify_peer)");
    }

    private static void warnIfOutsideValidity(X509Certificate certificate) {
        Instant now = Instant.now();
        if (now.isAfter(certificate.getNotAfter().toInstant())) {
            LOG.warn("TLS: the server certificate expired on {}; clients will refuse it", certificate.getNotAfter().toInstant());
        } else if (now.isBefore(certificate.getNotBefore().toInstant())) {
            LOG.warn("TLS: the server certificate is valid only from {}; clients will refuse it until then",
                    certificate.getNotBefore().toInstant());
        }
    }

    private static List<FileStamp> stamps(TlsSettings settings) {
        List<FileStamp> stamps = new ArrayList<>(3);
        stamps.add(FileStamp.of(settings.certificateFile(), "tls-cert"));
        stamps.add(FileStamp.of(settings.keyFile(), "tls-key"));
        if (settings.trustedCaFile() != null) {
            stamps.add(FileStamp.of(settings.trustedCaFile(), "tls-ca"));
        }
        return stamps;
    }

    /** A built context, the certificate chain it presents and the authorities it trusts for client certificates. */
    private record Loaded(SslContext context, List<X509Certificate> chain, List<X509Certificate> authorities) {
        X509Certificate certificate() {
            return chain.get(0);
        }

        String describe() {
            return "certificate " + certificate().getSubjectX500Principal().getName() + " issued by "
                    + certificate().getIssuerX500Principal().getName() + ", valid until " + certificate().getNotAfter().toInstant();
        }
    }

    /**
     * What tells a file changed: modification time, size, and the file key (an inode), which also
     * changes when a new file is renamed over the old one within the same second.
     */
    private record FileStamp(Path file, long modifiedNanos, long size, Object fileKey) {
        static FileStamp of(Path file, String setting) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileStamp(file, attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS), attributes.size(),
                        Objects.requireNonNullElse(attributes.fileKey(), ""));
            } catch (IOException e) {
                throw new TlsConfigurationException(setting + " " + file + " cannot be read: " + e);
            }
        }
    }
}
