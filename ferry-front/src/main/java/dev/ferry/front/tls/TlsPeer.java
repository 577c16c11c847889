package dev.ferry.front.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The client on the other end of a TLS connection, as its certificate says. A certificate is only
 * there when the listener asked for one ({@code --tls-ca}) and the handshake verified it against
 * the trusted authorities; a client that sent none, or a plain-TCP connection, has none.
 */
public final class TlsPeer {
    private TlsPeer() {
    }

    /** Whether {@code channel} is a TLS connection. */
    public static boolean isTls(Channel channel) {
        return channel.pipeline().get(SslHandler.class) != null;
    }

    /** The verified client certificate of {@code channel}, once its handshake is done. */
    public static Optional<X509Certificate> verifiedCertificate(Channel channel) {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls == null || !tls.handshakeFuture().isSuccess()) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = tls.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? Optional.of(x509) : Optional.empty();
        } catch (SSLPeerUnverifiedException noCertificate) {
            return Optional.empty();
        }
    }

    /**
     * The subject's common name (CN), as RabbitMQ's {@code rabbitmq_auth_mechanism_ssl} takes the
     * user name with {@code ssl_cert_login_from = common_name} (its default is the whole
     * distinguished name); when the subject has several,
     * the most specific one (the first in the RFC 2253 form). Empty when the subject has none.
     */
    public static Optional<String> commonName(X509Certificate certificate) {
        try {
            List<Rdn> relativeNames = new LdapName(certificate.getSubjectX500Principal().getName()).getRdns();
            // LdapName lists the least specific part first; RFC 2253 text lists it last.
            for (int i = relativeNames.size() - 1; i >= 0; i--) {
                Rdn name = relativeNames.get(i);
                if (name.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(String.valueOf(name.getValue()));
                }
            }
            return Optional.empty();
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
    }

    /**
     * The subject's distinguished name in RFC 2253 form ("CN=app,O=Example"), the name Kafka's
     * default principal builder gives an SSL client ({@code ssl.principal.mapping.rules=DEFAULT}).
     */
    public static String distinguishedName(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
