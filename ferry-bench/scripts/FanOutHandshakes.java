import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.MessageProperties;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How long a new connection's handshake takes while publishers flood a wide fanout: the end of the
 * RabbitMQ Java client's Bug19219Test, measured instead of timed out. One connection declares
 * QUEUES server-named queues on amq.fanout and consumes each (manual acks, none sent); PUBLISHERS
 * connections publish persistent empty messages back to back; after two seconds the consumer's
 * channel is aborted (its queues requeue and, being auto-delete, go away) and, for PROBE_SECONDS
 * while the publishers go on, a fresh connection is opened and closed again and again. Prints:
 *
 *   handshakes n=N failed=N median_ms=N max_ms=N first_ms=N abort_ms=N published=N
 *
 * "first" is the first handshake after the abort, the one Bug19219Test makes (it allows 10 s).
 * Run: java -cp AMQP_CLIENT_CLASSPATH FanOutHandshakes.java URI QUEUES PUBLISHERS PROBE_SECONDS
 */
public class FanOutHandshakes {
  public static void main(String[] args) {
    try {
      run(args);
    } catch (Exception e) {
      System.out.println("handshakes failed: " + e);
    }
    // Publisher threads blocked in a socket write never end on their own.
    System.exit(0);
  }

  private static void run(String[] args) throws Exception {
    String uri = args[0];
    int queues = Integer.parseInt(args[1]);
    int publishers = Integer.parseInt(args[2]);
    int probeSeconds = Integer.parseInt(args[3]);
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(uri);
    factory.setAutomaticRecoveryEnabled(false);
    Connection consumerConnection = factory.newConnection();
    Channel consumer = consumerConnection.createChannel();
    DefaultConsumer ignoring = new DefaultConsumer(consumer);
    for (int i = 0; i < queues; i++) {
      String queue = consumer.queueDeclare().getQueue();
      consumer.queueBind(queue, "amq.fanout", "");
      consumer.basicConsume(queue, false, ignoring);
    }

    AtomicLong published = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch ready = new CountDownLatch(publishers);
    CountDownLatch start = new CountDownLatch(1);
    for (int p = 0; p < publishers; p++) {
      Thread publisher = new Thread(() -> {
        try {
          Channel channel = factory.newConnection().createChannel();
          ready.countDown();
          start.await();
          while (!stop.get()) {
            channel.basicPublish("amq.fanout", "", MessageProperties.PERSISTENT_TEXT_PLAIN, new byte[0]);
            published.incrementAndGet();
          }
        } catch (Exception e) {
          ready.countDown();
        }
      });
      publisher.setDaemon(true);
      publisher.start();
    }
    ready.await();
    start.countDown();
    Thread.sleep(2000);

    long abortStart = System.nanoTime();
    consumer.abort();
    long abortMs = (System.nanoTime() - abortStart) / 1_000_000;

    List<Long> handshakes = new ArrayList<>();
    int failed = 0;
    long end = System.nanoTime() + probeSeconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      ConnectionFactory fresh = new ConnectionFactory();
      fresh.setUri(uri);
      fresh.setAutomaticRecoveryEnabled(false);
      fresh.setConnectionTimeout(30_000);
      fresh.setHandshakeTimeout(30_000);
      long started = System.nanoTime();
      try {
        Connection connection = fresh.newConnection();
        handshakes.add((System.nanoTime() - started) / 1_000_000);
        connection.abort(5_000);
      } catch (Exception e) {
        failed++;
      }
      Thread.sleep(300);
    }
    long first = handshakes.isEmpty() ? -1 : handshakes.get(0);
    List<Long> sorted = new ArrayList<>(handshakes);
    Collections.sort(sorted);
    stop.set(true);
    System.out.printf("handshakes n=%d failed=%d median_ms=%d max_ms=%d first_ms=%d abort_ms=%d published=%d%n",
        sorted.size(), failed, sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2),
        sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1), first, abortMs, published.get());
  }
}
