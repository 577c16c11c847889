package dev.ferry.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Which TLS settings go together, checked by {@link BrokerSettings#conclude()} before any file is
 * read: the TLS ports default to 5671 and 9093 with a certificate and do not exist without one.
 */
class TlsSettingsTest {
    private final BrokerSettings settings = new BrokerSettings();

    @Test
    void shouldHaveNoTlsListenerWithoutACertificate() {
        settings.conclude();

        assertThat(settings.tlsSettings()).isNull();
        assertThat(settings.amqpsPort).isEqualTo(-1);
        assertThat(settings.kafkaSslPort).isEqualTo(-1);
    }

    @Test
    void shouldTakeRabbitMqsAndKafkasTlsPortsByDefaultWithACertificate() {
        settings.tlsCert = Path.of("cert.pem");
        settings.tlsKey = Path.of("key.pem");
        settings.conclude();

        assertThat(settings.amqpsPort).isEqualTo(5671);
        assertThat(settings.kafkaSslPort).isEqualTo(9093);
        assertThat(settings.tlsSettings().certificateFile()).isEqualTo(Path.of("cert.pem").toAbsolutePath());
        assertThat(settings.tlsSettings().verifiesPeers()).isFalse();
    }

    @Test
    void shouldLetATlsPortBeTurnedOff() {
        settings.tlsCert = Path.of("cert.pem");
        settings.tlsKey = Path.of("key.pem");
        settings.kafkaSslPort = -1;
        settings.conclude();

        assertThat(settings.amqpsPort).isEqualTo(5671);
        assertThat(settings.kafkaSslPort).isEqualTo(-1);
    }

    @Test
    void shouldRefuseATlsPortOrAuthorityWithoutACertificate() {
        settings.kafkaSslPort = 9093;
        assertThatThrownBy(settings::conclude).isInstanceOf(ConfigException.class)
                .hasMessage("kafka-ssl-port needs tls-cert and tls-key");

        BrokerSettings withCa = new BrokerSettings();
        withCa.tlsCa = Path.of("ca.pem");
        assertThatThrownBy(withCa::conclude).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("tls-ca needs tls-cert and tls-key");
    }

    @Test
    void shouldRefuseACertificateWithoutItsKeyAndTheOtherWayRound() {
        settings.tlsCert = Path.of("cert.pem");
        assertThatThrownBy(settings::conclude).isInstanceOf(ConfigException.class).hasMessageStartingWith("tls-cert needs tls-key");

        BrokerSettings keyOnly = new BrokerSettings();
        keyOnly.tlsKey = Path.of("key.pem");
        assertThatThrownBy(keyOnly::conclude).isInstanceOf(ConfigException.class).hasMessageStartingWith("tls-key needs tls-cert");
    }

    @Test
    void shouldRefuseTwoListenersOnOnePort() {
        settings.tlsCert = Path.of("cert.pem");
        settings.tlsKey = Path.of("key.pem");
        settings.amqpsPort = 5672;

        assertThatThrownBy(settings::conclude).isInstanceOf(ConfigException.class)
                .hasMessage("amqp-port, kafka-port, amqps-port, kafka-ssl-port, https-port, http-port and prometheus-port "
                        + "must differ, 5672 is given twice");
    }

    @Test
    void shouldRefuseTheHttpsPortWithoutACertificateAndOnAnotherListenersPort() {
        settings.httpsPort = 15671;
        assertThatThrownBy(settings::conclude).isInstanceOf(ConfigException.class)
                .hasMessage("https-port needs tls-cert and tls-key");

        BrokerSettings sharing = new BrokerSettings();
        sharing.tlsCert = Path.of("cert.pem");
        sharing.tlsKey = Path.of("key.pem");
        sharing.httpsPort = sharing.httpPort;
        assertThatThrownBy(sharing::conclude).isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("must differ, " + sharing.httpPort + " is given twice");
    }

    @Test
    void shouldRefuseRequiringClientCertificatesWithoutAuthorities() {
        settings.tlsCert = Path.of("cert.pem");
        settings.tlsKey = Path.of("key.pem");
        settings.tlsFailIfNoPeerCert = true;

        assertThatThrownBy(settings::conclude).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("tls-fail-if-no-peer-cert needs tls-ca");
    }
}
