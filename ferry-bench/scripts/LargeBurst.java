import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Large-message load for ingress-memory.sh: PUBLISHERS connections (one thread each) publish
 * bodies of BODY_BYTES (the broker's maximum message size) back to back to QUEUE for SECONDS, so
 * that up to PUBLISHERS maximum-size messages are on their way at any moment; one consumer
 * connection drains the queue (manual acks, prefetch 2) and checks every body's size; with the
 * optional last argument "noconsumer" nobody drains it, and the backlog is counted at the end. The
 * queue is declared non-durable. Prints one line:
 *
 *   largeburst publishers=20 seconds=60 body=16777216 published=N consumed=N wrong_size=0 max_publish_ms=N backlog=N
 *
 * Run: java -cp AMQP_CLIENT_CLASSPATH LargeBurst.java URI QUEUE PUBLISHERS SECONDS BODY_BYTES [noconsumer]
 */
public class LargeBurst {
  public static void main(String[] args) {
    try {
      run(args);
    } catch (Exception e) {
      // Publisher connections opened before the failure keep non-daemon threads: exit, or the
      // benchmark script waits for this process for ever.
      System.err.println("largeburst: failed: " + e);
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    if (args.length != 5 && !(args.length == 6 && args[5].equals("noconsumer"))) {
      System.err.println("usage: LargeBurst URI QUEUE PUBLISHERS SECONDS BODY_BYTES [noconsumer]");
      System.exit(2);
    }
    boolean consume = args.length == 5;
    String uri = args[0];
    String queue = args[1];
    int publishers = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    int bodyBytes = Integer.parseInt(args[4]);

    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(uri);
    factory.setAutomaticRecoveryEnabled(false);
    factory.setMaxInboundMessageBodySize(Math.max(bodyBytes + 1, 64 << 20));
    factory.setRequestedHeartbeat(0);
    // On a machine shared with builds, the default 10 s handshake timeout was seen to expire.
    factory.setHandshakeTimeout(60_000);

    AtomicLong published = new AtomicLong();
    AtomicLong consumed = new AtomicLong();
    AtomicLong wrongSize = new AtomicLong();
    AtomicLong maxPublishNanos = new AtomicLong();
    long backlog;
    // One body for every publisher: the client only reads it.
    byte[] body = new byte[bodyBytes];
    for (int i = 0; i < bodyBytes; i++) {
      body[i] = (byte) (i * 31);
    }

    try (Connection consumerConnection = factory.newConnection("largeburst-consumer")) {
      Channel consumer = consumerConnection.createChannel();
      consumer.queueDeclare(queue, false, false, false, null);
      consumer.basicQos(2);
      DeliverCallback onDelivery = (tag, delivery) -> {
        if (delivery.getBody().length != bodyBytes) {
          wrongSize.incrementAndGet();
        }
        consumed.incrementAndGet();
        consumer.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
      };
      if (consume) {
        consumer.basicConsume(queue, false, onDelivery, tag -> { });
      }

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      List<Thread> threads = new ArrayList<>();
      List<Connection> connections = new ArrayList<>();
      for (int p = 0; p < publishers; p++) {
        Connection connection = factory.newConnection("largeburst-publisher-" + p);
        connections.add(connection);
        Channel channel = connection.createChannel();
        Thread thread = new Thread(() -> {
          try {
            while (System.nanoTime() < deadline) {
              long start = System.nanoTime();
              channel.basicPublish("", queue, null, body);
              maxPublishNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
              published.incrementAndGet();
            }
          } catch (Exception e) {
            System.err.println("largeburst: publisher failed: " + e);
          }
        }, "largeburst-" + p);
        thread.start();
        threads.add(thread);
      }
      for (Thread thread : threads) {
        thread.join();
      }
      // Whatever was published is drained before the run ends (a minute at most).
      long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (consume && consumed.get() < published.get() && System.nanoTime() < drainDeadline) {
        Thread.sleep(50);
      }
      for (Connection connection : connections) {
        connection.close(10_000);
      }
      backlog = consumer.queueDeclarePassive(queue).getMessageCount();
      consumer.queueDelete(queue);
    }
    System.out.printf("largeburst publishers=%d seconds=%d body=%d published=%d consumed=%d wrong_size=%d max_publish_ms=%d backlog=%d%n",
        publishers, seconds, bodyBytes, published.get(), consumed.get(), wrongSize.get(),
        maxPublishNanos.get() / 1_000_000, backlog);
  }
}
