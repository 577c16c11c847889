package dev.ferry.front.tls;

/**
 * A TLS setting or file that cannot be used: a file missing or unreadable, not PEM, a key that
 * does not belong to the certificate. The message names the file and what is wrong with it, so the
 * server can print it and stop (exit code 2) or, on a reload, keep the context it has.
 */
public final class TlsConfigurationException extends RuntimeException {
    public TlsConfigurationException(String message) {
        super(message);
    }

    public TlsConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
