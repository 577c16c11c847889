import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client side of many-queues.sh: declares N durable queues and publishes one persistent
 * message to each (fill), or takes and acks the one message of each and checks it (drain).
 * Work is split over T threads, each with its own connection and channel, so durable declares
 * (each waits for a metadata fsync) and confirms overlap. Prints one line:
 *
 *   fill queues=N seconds=S        or        drain queues=N found=F wrong=W seconds=S
 *
 * Exits 0 on success, 1 when a drain found a message missing or wrong.
 *
 * Run: java -cp AMQP_CLIENT_CLASSPATH ManyQueues.java URI fill|drain QUEUES THREADS
 */
public class ManyQueues {
  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: ManyQueues URI fill|drain QUEUES THREADS");
      System.exit(2);
    }
    String uri = args[0];
    boolean fill = args[1].equals("fill");
    int queues = Integer.parseInt(args[2]);
    int threads = Integer.parseInt(args[3]);
    AtomicLong found = new AtomicLong();
    AtomicLong wrong = new AtomicLong();
    long started = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> work = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int first = t;
      work.add(pool.submit(() -> {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri);
        factory.setAutomaticRecoveryEnabled(false);
        factory.setRequestedHeartbeat(0);
        try (Connection connection = factory.newConnection()) {
          Channel channel = connection.createChannel();
          if (fill) {
            channel.confirmSelect();
          }
          for (int i = first; i < queues; i += threads) {
            String queue = "q-" + i;
            byte[] body = ("message of " + queue).getBytes(StandardCharsets.UTF_8);
            if (fill) {
              channel.queueDeclare(queue, true, false, false, null);
              channel.basicPublish("", queue, MessageProperties.PERSISTENT_BASIC, body);
              if ((i / threads) % 500 == 499) {
                channel.waitForConfirmsOrDie(600_000);
              }
            } else {
              GetResponse response = channel.basicGet(queue, false);
              if (response == null || !java.util.Arrays.equals(response.getBody(), body)) {
                wrong.incrementAndGet();
              } else {
                found.incrementAndGet();
                channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
              }
            }
          }
          if (fill) {
            channel.waitForConfirmsOrDie(600_000);
          }
        }
        return null;
      }));
    }
    for (Future<?> future : work) {
      future.get();
    }
    pool.shutdown();
    double seconds = (System.nanoTime() - started) / 1e9;
    if (fill) {
      System.out.printf("fill queues=%d seconds=%.1f%n", queues, seconds);
    } else {
      System.out.printf("drain queues=%d found=%d wrong=%d seconds=%.1f%n", queues, found.get(), wrong.get(), seconds);
      System.exit(wrong.get() == 0 && found.get() == queues ? 0 : 1);
    }
  }
}
