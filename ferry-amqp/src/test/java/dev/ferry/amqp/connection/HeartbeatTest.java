package dev.ferry.amqp.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.amqp.AmqpConfig;
import dev.ferry.amqp.AmqpServer;
import dev.ferry.amqp.codec.AmqpFrames;
import java.io.EOFException;
import java.net.SocketException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Heartbeats at the negotiated interval: the server sends them, and drops a client silent for two intervals. */
class HeartbeatTest {
    private static AmqpServer server;
    private static int port;

    @BeforeAll
    static void startServer() throws InterruptedException {
        server = new AmqpServer(new AmqpConfig().host("127.0.0.1").port(0).ioThreads(1));
        port = server.start();
    }

    @AfterAll
    static void stopServer() {
        server.stop();
    }

    @Test
    void shouldSendHeartbeatsAndDropASilentClient() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(0, 0, 1)) {
            long start = System.nanoTime();

            int heartbeats = 0;
            // The socket's 5 s read timeout bounds the wait; the server must close at about 2 s.
            try {
                while (true) {
                    assertThat(socket.readFrameType()).isEqualTo(AmqpFrames.TYPE_HEARTBEAT);
                    heartbeats++;
                }
            } catch (EOFException | SocketException closedByServer) {
                long elapsedMs = (System.nanoTime() - start) / 1_000_000;
                assertThat(elapsedMs).isBetween(1_500L, 4_000L);
            }
            assertThat(heartbeats).isGreaterThanOrEqualTo(2);
        }
    }
}
