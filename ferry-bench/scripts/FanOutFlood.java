import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.MessageProperties;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fan-out load for ingress-memory.sh, the shape of the RabbitMQ Java client's Bug19219Test made to
 * run for a set time: one connection declares QUEUES server-named queues, binds each to amq.fanout
 * and consumes each with manual acks, no prefetch limit and no ack ever sent; PUBLISHERS connections
 * (one thread each) publish persistent empty messages to amq.fanout back to back for SECONDS, so
 * each publish is a copy for every queue. Every two seconds a fresh connection is opened and closed
 * and the time its handshake took is kept: a broker whose heap fills stops answering there first.
 * Prints one line:
 *
 *   fanout queues=1500 publishers=100 seconds=60 published=N handshake_max_ms=N handshake_failures=N
 *
 * "published" counts basicPublish calls that returned, so it includes what still sat in socket
 * buffers when the run ended. Run: java -cp AMQP_CLIENT_CLASSPATH FanOutFlood.java URI QUEUES PUBLISHERS SECONDS
 */
public class FanOutFlood {
  public static void main(String[] args) {
    try {
      run(args);
    } catch (Exception e) {
      System.err.println("fanout: failed: " + e);
    }
    // Publisher threads blocked in a socket write never end on their own.
    System.exit(0);
  }

  private static void run(String[] args) throws Exception {
    String uri = args[0];
    int queues = Integer.parseInt(args[1]);
    int publishers = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(uri);
    factory.setAutomaticRecoveryEnabled(false);
    factory.setHandshakeTimeout(10_000);

    Connection consuming = factory.newConnection("fanout-consumer");
    Channel channel = consuming.createChannel();
    DefaultConsumer neverAcks = new DefaultConsumer(channel);
    for (int i = 0; i < queues; i++) {
      String queue = channel.queueDeclare().getQueue();
      channel.queueBind(queue, "amq.fanout", "");
      channel.basicConsume(queue, false, neverAcks);
    }

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong published = new AtomicLong();
    for (int p = 0; p < publishers; p++) {
      Connection connection = factory.newConnection("fanout-publisher-" + p);
      Channel publisher = connection.createChannel();
      Thread thread = new Thread(() -> {
        byte[] empty = new byte[0];
        try {
          while (running.get()) {
            publisher.basicPublish("amq.fanout", "", MessageProperties.PERSISTENT_BASIC, empty);
            published.incrementAndGet();
          }
        } catch (Exception e) {
          // the broker closed the connection or the run ended
        }
      });
      thread.setDaemon(true);
      thread.start();
    }

    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long handshakeMaxMs = 0;
    int handshakeFailures = 0;
    while (System.nanoTime() < end) {
      Thread.sleep(2000);
      long start = System.nanoTime();
      try (Connection probe = factory.newConnection("fanout-handshake")) {
        handshakeMaxMs = Math.max(handshakeMaxMs, (System.nanoTime() - start) / 1_000_000);
      } catch (Exception e) {
        handshakeFailures++;
      }
    }
    running.set(false);
    System.out.printf("fanout queues=%d publishers=%d seconds=%d published=%d handshake_max_ms=%d handshake_failures=%d%n",
        queues, publishers, seconds, published.get(), handshakeMaxMs, handshakeFailures);
    System.out.flush();
    // No close: a publisher blocked in a socket write holds its connection's lock, so closing one
    // can wait for good; exiting (main) drops every socket at once.
  }
}
