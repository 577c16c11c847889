package dev.ferry.it.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a started broker listens. By default on the loopback address of both families, 127.0.0.1
 * and ::1, so that a client whose resolver gives ::1 for localhost is not refused, and on nothing
 * else; {@code --bind} takes several addresses, comma separated or repeated. A JVM or machine
 * without IPv6 does not stop the start: the broker says so and listens on IPv4.
 */
class ListeningAddressTest {
    private static final String IPV4_LOOPBACK = "127.0.0.1";
    private static final String IPV6_LOOPBACK = "::1";

    @TempDir
    Path dataDir;
    private final List<BrokerProcess> brokers = new ArrayList<>();

    @AfterEach
    void stopBrokers() {
        brokers.forEach(BrokerProcess::close);
    }

    @Test
    void shouldListenOnTheLoopbackAddressOfBothFamiliesByDefault() throws Exception {
        assumeThat(hasIpv6Loopback()).as("this machine has ::1").isTrue();
        BrokerProcess broker = start();

        assertThat(declaresAQueue(IPV4_LOOPBACK, broker.amqpPort())).isTrue();
        assertThat(declaresAQueue(IPV6_LOOPBACK, broker.amqpPort())).isTrue();
        assertThat(broker.output()).anyMatch(line -> line.contains("listening on amqp://127.0.0.1:" + broker.amqpPort()
                + ", amqp://[::1]:" + broker.amqpPort()));
    }

    @Test
    void shouldListenOnNoAddressButLoopbackByDefault() throws Exception {
        Optional<InetAddress> external = nonLoopbackAddress();
        assumeThat(external).as("this machine has an address other than loopback").isPresent();
        BrokerProcess broker = start();

        assertThatThrownBy(() -> connect(external.get(), broker.amqpPort())).isInstanceOf(ConnectException.class);
    }

    @Test
    void shouldListenOnExactlyTheAddressesGivenAsAList() throws Exception {
        assumeThat(hasIpv6Loopback()).as("this machine has ::1").isTrue();
        BrokerProcess broker = start("--bind", IPV6_LOOPBACK);

        assertThat(declaresAQueue(IPV6_LOOPBACK, broker.amqpPort())).isTrue();
        assertThatThrownBy(() -> connect(InetAddress.getByName(IPV4_LOOPBACK), broker.amqpPort()))
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void shouldTakeRepeatedAndCommaSeparatedBindFlags() throws Exception {
        assumeThat(hasIpv6Loopback()).as("this machine has ::1").isTrue();
        BrokerProcess repeated = start("--bind", IPV4_LOOPBACK, "--bind", IPV6_LOOPBACK);
        BrokerProcess listed = start("--bind", IPV6_LOOPBACK + "," + IPV4_LOOPBACK);

        for (BrokerProcess broker : List.of(repeated, listed)) {
            assertThat(declaresAQueue(IPV4_LOOPBACK, broker.amqpPort())).isTrue();
            assertThat(declaresAQueue(IPV6_LOOPBACK, broker.amqpPort())).isTrue();
        }
    }

    @Test
    void shouldListenOnIpv4AloneWhenIpv6IsUnavailable() throws Exception {
        // A JVM told to use IPv4 only sees no IPv6 address at all: the same as a machine without IPv6.
        BrokerProcess broker = BrokerProcess.startWithJvmOptions(dataDir, List.of("-Djava.net.preferIPv4Stack=true"));
        brokers.add(broker);

        assertThat(declaresAQueue(IPV4_LOOPBACK, broker.amqpPort())).isTrue();
        assertThat(broker.output()).anyMatch(line -> line.contains("WARN") && line.contains("::1")
                && line.contains("IPv6"));
        assertThat(broker.output()).anyMatch(line -> line.contains("listening on amqp://127.0.0.1:" + broker.amqpPort()
                + ";"));
    }

    private BrokerProcess start(String... args) throws IOException {
        Path brokerData = dataDir.resolve("broker-" + brokers.size());
        BrokerProcess broker = BrokerProcess.start(brokerData, args);
        brokers.add(broker);
        return broker;
    }

    /** Logs in through the Java client on {@code host} and declares a queue. */
    private static boolean declaresAQueue(String host, int port) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(host);
        factory.setPort(port);
        factory.setAutomaticRecoveryEnabled(false);
        factory.setConnectionTimeout(10_000);
        try (Connection connection = factory.newConnection()) {
            return connection.createChannel().queueDeclare().getQueue().startsWith("amq.gen-");
        }
    }

    private static void connect(InetAddress address, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 5_000);
        }
    }

    private static boolean hasIpv6Loopback() throws IOException {
        return NetworkInterface.getByInetAddress(InetAddress.getByName(IPV6_LOOPBACK)) != null;
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!network.isUp() || network.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(network.getInetAddresses())) {
                // Link-local IPv6 addresses need a scope to be reached; any other address will do.
                if (!address.isLoopbackAddress() && !(address instanceof Inet6Address v6 && v6.isLinkLocalAddress())) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }
}
