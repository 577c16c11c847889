package dev.ferry.front;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connections accepted by a real listener over loopback sockets land on the loop with the fewest
 * open connections: a loop is made for each while fewer than the maximum exist, and a closed
 * connection's loop is the next one taken (Netty's round robin would take the next loop in turn).
 */
class TcpListenerLoopBalanceTest {
    private static final int LOOPS = 4;

    private final Set<EventLoop> loopsUsed = ConcurrentHashMap.newKeySet();
    private final List<Socket> clients = new ArrayList<>();
    private final TcpListener listener = new TcpListener("test", LOOPS,
            (SocketChannel channel) -> loopsUsed.add(channel.eventLoop()));
    private int port;

    @AfterEach
    void stop() throws IOException {
        for (Socket client : clients) {
            client.close();
        }
        listener.shutdown();
    }

    @Test
    void shouldGiveEachConnectionALoopOfItsOwnWhileLoopsAreFree() throws Exception {
        bind();
        assertThat(listener.connectionsPerLoop()).as("no loop before a connection needs one").isEmpty();
        connect();
        connect();
        awaitCounts(1, 1);
        connect();
        connect();
        awaitCounts(1, 1, 1, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> loopsUsed.size() == LOOPS);
    }

    @Test
    void shouldGiveAClosedConnectionsLoopToTheNextConnection() throws Exception {
        bind();
        for (int i = 0; i < LOOPS; i++) {
            connect();
        }
        awaitCounts(1, 1, 1, 1);

        clients.get(1).close();
        awaitCounts(1, 0, 1, 1);
        connect();
        awaitCounts(1, 1, 1, 1);
    }

    @Test
    void shouldShareLoopsEvenlyOnceThereAreMoreConnectionsThanLoops() throws Exception {
        bind();
        for (int i = 0; i < LOOPS + 2; i++) {
            connect();
        }
        awaitCounts(2, 2, 1, 1);
        clients.get(0).close(); // on the first loop
        clients.get(5).close(); // on the second
        awaitCounts(1, 1, 1, 1);
    }

    private void bind() throws InterruptedException {
        port = listener.bind(List.of(InetAddress.getLoopbackAddress()), 0, bound -> { });
    }

    /** Connects and waits until the listener counts the connection, so that the next one sees it. */
    private void connect() throws IOException {
        int before = total(listener.connectionsPerLoop());
        clients.add(new Socket(InetAddress.getLoopbackAddress(), port));
        await().atMost(Duration.ofSeconds(10)).until(() -> total(listener.connectionsPerLoop()) == before + 1);
    }

    private void awaitCounts(int... expected) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(
                () -> assertThat(listener.connectionsPerLoop()).containsExactly(expected));
    }

    private static int total(int[] counts) {
        int sum = 0;
        for (int count : counts) {
            sum += count;
        }
        return sum;
    }
}
