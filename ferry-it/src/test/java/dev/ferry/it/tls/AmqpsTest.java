package dev.ferry.it.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultSaslConfig;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.BrokerJmx;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AMQP 0-9-1 over TLS (AMQPS) beside plain AMQP, with the RabbitMQ Java client and pika, both
 * trusting only the test authority and checking the host name; mutual TLS and SASL EXTERNAL with
 * the client certificate's CN as the user name (RabbitMQ's rabbitmq_auth_mechanism_ssl with
 * {@code ssl_cert_login_from = common_name}; the texts and the offered mechanisms were compared
 * with a RabbitMQ 3.10 node configured so).
 * The broker asks for client certificates but does not require them (verify_peer without
 * fail_if_no_peer_cert), so clients without one log in with a password.
 */
class AmqpsTest {
    @TempDir
    static Path directory;
    static TestCertificates authority;
    static TestCertificates.Issued server;
    static TestCertificates.Issued appClient;
    static TestCertificates.Issued strangerClient;
    static BrokerProcess broker;

    @BeforeAll
    static void startBroker() throws IOException {
        authority = TestCertificates.authority(directory.resolve("ca"), "Ferry test CA");
        server = authority.server("server");
        appClient = authority.client("app", "app");
        strangerClient = authority.client("stranger", "stranger");
        broker = BrokerProcess.start(directory.resolve("data"), "--users", "guest:guest,app:app-password",
                "--tls-cert", server.certificate().toString(), "--tls-key", server.key().toString(),
                "--tls-ca", authority.caCertificate.toString(), "--amqps-port", "0", "--kafka-ssl-port", "-1");
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static ConnectionFactory amqps(SSLContext context) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("localhost");
        factory.setPort(broker.amqpsPort());
        factory.useSslProtocol(context);
        factory.enableHostnameVerification();
        return factory;
    }

    @Test
    void shouldPublishAndConsumeOverTlsWithATrustStoreAndHostNameCheck() throws Exception {
        ConnectionFactory factory = amqps(authority.clientContext());
        factory.setUsername("guest");
        factory.setPassword("guest");
        try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
            String queue = channel.queueDeclare().getQueue();
            channel.basicPublish("", queue, null, "over TLS".getBytes(StandardCharsets.UTF_8));
            GetResponse got = awaitMessage(channel, queue);
            assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("over TLS");
        }
        assertThat(broker.output()).anyMatch(line -> line.contains("AMQPS listening on 127.0.0.1:" + broker.amqpsPort()))
                .anyMatch(line -> line.contains("amqps://127.0.0.1:" + broker.amqpsPort()));
    }

    @Test
    void shouldDeliverABodyOffTheHeapOverTlsIntactAndThenFreeIt() throws Exception {
        // 3 MiB: off the heap, and delivered as frames that point into the body, which TLS encrypts.
        byte[] body = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 13 + i / 1021);
        }
        ConnectionFactory factory = amqps(authority.clientContext());
        factory.setUsername("guest");
        factory.setPassword("guest");
        try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel();
             BrokerJmx jmx = BrokerJmx.attach(broker)) {
            String queue = channel.queueDeclare().getQueue();
            channel.confirmSelect();
            channel.basicPublish("", queue, null, body);
            channel.waitForConfirmsOrDie(10_000);
            assertThat(jmx.ingress("OffHeapBodyBytes")).as("the queued body is off the heap").isPositive();

            assertThat(awaitMessage(channel, queue).getBody()).isEqualTo(body);
            await().atMost(Duration.ofSeconds(5)).until(() -> jmx.ingress("OffHeapBodyBytes") == 0);
        }
    }

    @Test
    void shouldKeepPlainAmqpWorkingBesideAmqps() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setPort(broker.amqpPort());
        try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
            assertThat(channel.queueDeclare().getQueue()).isNotEmpty();
        }
        assertThat(broker.amqpPort()).isNotEqualTo(broker.amqpsPort());
    }

    @Test
    void shouldLogInWithSaslExternalAsTheCertificatesCommonName() throws Exception {
        ConnectionFactory factory = amqps(authority.clientContext(appClient));
        factory.setSaslConfig(DefaultSaslConfig.EXTERNAL);
        try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
            assertThat(channel.queueDeclare().getQueue()).isNotEmpty();
        }
        // The user name is the certificate's: the broker's log names the connection's user.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(broker.output())
                .anyMatch(line -> line.contains("opened: user 'app'")));
    }

    @Test
    void shouldRefuseSaslExternalForACertificateNamingNoUser() throws Exception {
        ConnectionFactory factory = amqps(authority.clientContext(strangerClient));
        factory.setSaslConfig(DefaultSaslConfig.EXTERNAL);

        assertThatThrownBy(factory::newConnection).isInstanceOf(AuthenticationFailureException.class)
                .hasMessageContaining("ACCESS_REFUSED - Login was refused using authentication mechanism EXTERNAL");
    }

    @Test
    void shouldOfferSaslExternalButRefuseItWithoutAClientCertificate() throws Exception {
        ConnectionFactory factory = amqps(authority.clientContext());
        factory.setSaslConfig(DefaultSaslConfig.EXTERNAL);

        // RabbitMQ 3.10 with rabbitmq_auth_mechanism_ssl offers it on every TLS connection and refuses it so.
        assertThatThrownBy(factory::newConnection).isInstanceOf(AuthenticationFailureException.class)
                .hasMessageContaining("ACCESS_REFUSED - Login was refused using authentication mechanism EXTERNAL");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(broker.output()).anyMatch(line ->
                line.contains("login failed with mechanism EXTERNAL: no verified client certificate")));
    }

    @Test
    void shouldNotOfferSaslExternalOnPlainAmqp() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setPort(broker.amqpPort());
        factory.setSaslConfig(DefaultSaslConfig.EXTERNAL);

        assertThatThrownBy(factory::newConnection).isInstanceOf(IOException.class)
                .hasMessageContaining("No compatible authentication mechanism found - server offered [PLAIN AMQPLAIN]");
    }

    @Test
    void shouldLetAClientWithACertificateLogInWithAPasswordToo() throws Exception {
        ConnectionFactory factory = amqps(authority.clientContext(appClient));
        factory.setUsername("guest");
        factory.setPassword("guest");
        try (Connection connection = factory.newConnection()) {
            assertThat(connection.isOpen()).isTrue();
        }
    }

    @Test
    void shouldRefuseACertificateFromAnotherAuthorityAndCarryOn() throws Exception {
        TestCertificates otherAuthority = TestCertificates.authority(directory.resolve("other-ca"), "Someone else's CA");
        TestCertificates.Issued forged = otherAuthority.client("forged", "app");
        // Trusts the server (our authority) but presents a certificate the server does not trust.
        SSLContext context = authority.clientContextPresentingAnyway(forged);
        ConnectionFactory factory = amqps(context);
        factory.setSaslConfig(DefaultSaslConfig.EXTERNAL);

        assertThatThrownBy(factory::newConnection).isInstanceOf(IOException.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(broker.output())
                .anyMatch(line -> line.contains("AMQPS connection") && line.contains("TLS handshake failed")));
        ConnectionFactory honest = amqps(authority.clientContext(appClient));
        honest.setSaslConfig(DefaultSaslConfig.EXTERNAL);
        try (Connection connection = honest.newConnection()) {
            assertThat(connection.isOpen()).isTrue();
        }
    }

    @Test
    void shouldServePikaWithSslOptionsAndExternalCredentials() throws Exception {
        String script = """
                import ssl, sys, pika
                from pika.credentials import ExternalCredentials
                port, ca, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
                context = ssl.create_default_context(cafile=ca)
                plain = pika.ConnectionParameters(host='localhost', port=port,
                        credentials=pika.PlainCredentials('guest', 'guest'),
                        ssl_options=pika.SSLOptions(context, 'localhost'))
                connection = pika.BlockingConnection(plain)
                channel = connection.channel()
                queue = channel.queue_declare('', exclusive=True).method.queue
                channel.basic_publish('', queue, b'from pika over TLS')
                for _ in range(100):
                    method, properties, body = channel.basic_get(queue, auto_ack=True)
                    if body:
                        break
                    connection.sleep(0.05)
                print('plain:', body.decode(), connection._impl.params.ssl_options is not None)
                connection.close()
                mutual = ssl.create_default_context(cafile=ca)
                mutual.load_cert_chain(cert, key)
                external = pika.ConnectionParameters(host='localhost', port=port, credentials=ExternalCredentials(),
                        ssl_options=pika.SSLOptions(mutual, 'localhost'))
                connection = pika.BlockingConnection(external)
                print('external:', connection.channel().queue_declare('', exclusive=True).method.queue != '')
                connection.close()
                """;
        Path file = directory.resolve("pika_tls.py");
        java.nio.file.Files.writeString(file, script);
        Process process = new ProcessBuilder("/usr/bin/python3", file.toString(), Integer.toString(broker.amqpsPort()),
                authority.caCertificate.toString(), appClient.certificate().toString(), appClient.key().toString())
                .redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output.lines().toList()).as(output).containsSubsequence(
                List.of("plain: from pika over TLS True", "external: True"));
    }

    private static GetResponse awaitMessage(Channel channel, String queue) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> channel.basicGet(queue, true), response -> response != null);
    }
}
