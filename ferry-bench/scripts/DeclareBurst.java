import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A burst of concurrent durable declares, as clients declaring their topology on connect make:
 * CONNECTIONS connections with CHANNELS channels each, one thread per channel, all released at
 * once; each declares one durable queue and binds it to amq.direct, waiting for each answer.
 * Measures from the release to the last bind-ok, ROUNDS times (fresh queue names each round), and
 * deletes the round's queues after it. Prints one line per round and a summary:
 *
 *   round 1: 50 declares+binds in 412 ms
 *   declare-burst connections=5 channels=10 rounds=5 median_ms=.. min_ms=.. max_ms=..
 *
 * Run: java -cp AMQP_CLIENT_CLASSPATH DeclareBurst.java URI CONNECTIONS CHANNELS ROUNDS
 */
public class DeclareBurst {
  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: DeclareBurst URI CONNECTIONS CHANNELS ROUNDS");
      System.exit(2);
    }
    String uri = args[0];
    int connectionCount = Integer.parseInt(args[1]);
    int channelsPerConnection = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(uri);
    factory.setAutomaticRecoveryEnabled(false);
    List<Connection> connections = new ArrayList<>();
    for (int c = 0; c < connectionCount; c++) {
      connections.add(factory.newConnection());
    }
    int declares = connectionCount * channelsPerConnection;
    ExecutorService threads = Executors.newFixedThreadPool(declares);
    long[] millis = new long[rounds];
    try {
      for (int round = 0; round < rounds; round++) {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> work = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int c = 0; c < connectionCount; c++) {
          for (int i = 0; i < channelsPerConnection; i++) {
            Channel channel = connections.get(c).createChannel();
            String queue = "burst-" + round + "-" + c + "-" + i;
            names.add(queue);
            work.add(threads.submit(() -> {
              go.await();
              channel.queueDeclare(queue, true, false, false, null);
              channel.queueBind(queue, "amq.direct", queue);
              channel.close();
              return null;
            }));
          }
        }
        long start = System.nanoTime();
        go.countDown();
        for (Future<?> future : work) {
          future.get(120, TimeUnit.SECONDS);
        }
        millis[round] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("round %d: %d declares+binds in %d ms%n", round + 1, declares, millis[round]);
        Channel cleanup = connections.get(0).createChannel();
        for (String queue : names) {
          cleanup.queueDelete(queue);
        }
        cleanup.close();
      }
    } finally {
      threads.shutdownNow();
      for (Connection connection : connections) {
        connection.close();
      }
    }
    long[] sorted = millis.clone();
    Arrays.sort(sorted);
    System.out.printf("declare-burst connections=%d channels=%d rounds=%d median_ms=%d min_ms=%d max_ms=%d%n",
        connectionCount, channelsPerConnection, rounds, sorted[rounds / 2], sorted[0], sorted[rounds - 1]);
  }
}
