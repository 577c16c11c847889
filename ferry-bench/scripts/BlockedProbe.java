import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Publishes 12-byte messages to a queue as fast as it can until the broker sends
 * connection.blocked (or a deadline passes), for backlog-heap.sh. Prints one line:
 *
 *   blocked=yes|no reason="..." seconds=S
 *
 * Exits 0 when the connection was blocked, 1 when it never was.
 *
 * Run: java -cp AMQP_CLIENT_CLASSPATH BlockedProbe.java URI QUEUE SECONDS
 */
public class BlockedProbe {
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: BlockedProbe URI QUEUE SECONDS");
      System.exit(2);
    }
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(args[0]);
    String queue = args[1];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
    CountDownLatch blocked = new CountDownLatch(1);
    String[] reason = {""};
    long started = System.nanoTime();
    try (Connection connection = factory.newConnection("blocked-probe")) {
      connection.addBlockedListener(why -> {
        reason[0] = why;
        blocked.countDown();
      }, () -> { });
      Channel channel = connection.createChannel();
      channel.queueDeclare(queue, false, false, false, null);
      byte[] body = new byte[12];
      // Publishing into a blocked connection parks this thread in the socket write; stop once
      // blocked is seen, and never block past the deadline (the broker stops reading us).
      Thread publisher = new Thread(() -> {
        try {
          while (blocked.getCount() > 0 && System.nanoTime() < deadline) {
            channel.basicPublish("", queue, null, body);
          }
        } catch (Exception e) {
          // Closing the connection under a parked publish ends it here.
        }
      });
      publisher.setDaemon(true);
      publisher.start();
      boolean wasBlocked = blocked.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      double seconds = (System.nanoTime() - started) / 1e9;
      System.out.printf("blocked=%s reason=\"%s\" seconds=%.1f%n", wasBlocked ? "yes" : "no", reason[0], seconds);
      connection.abort(1000);
      System.exit(wasBlocked ? 0 : 1);
    }
  }
}
