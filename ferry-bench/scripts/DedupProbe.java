import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publish throughput into one durable queue with and without x-message-deduplication, for
 * dedup-overhead.sh. One connection publishes persistent 64-byte messages, each with a new
 * message-id (so every one is admitted to the window and journaled: the costly case), keeping at
 * most 200 unconfirmed; a second connection consumes with auto-ack. The first WARMUP seconds are
 * not counted. Prints one line:
 *
 *   dedup mode=on seconds=10 confirmed_per_s=N received_per_s=N
 *
 * Run: java -cp AMQP_CLIENT_CLASSPATH DedupProbe.java URI on|off SECONDS WARMUP_SECONDS
 */
public class DedupProbe {
  public static void main(String[] args) throws Exception {
    if (args.length != 4 || !(args[1].equals("on") || args[1].equals("off"))) {
      System.err.println("usage: DedupProbe URI on|off SECONDS WARMUP_SECONDS");
      System.exit(2);
    }
    boolean on = args[1].equals("on");
    int seconds = Integer.parseInt(args[2]);
    int warmup = Integer.parseInt(args[3]);
    String queue = "bench-dedup-" + args[1];
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(args[0]);
    factory.setAutomaticRecoveryEnabled(false);
    AtomicLong confirmed = new AtomicLong();
    AtomicLong received = new AtomicLong();
    try (Connection consumerConnection = factory.newConnection("dedup-probe-consumer");
         Connection publisherConnection = factory.newConnection("dedup-probe-publisher")) {
      Channel publisher = publisherConnection.createChannel();
      Map<String, Object> arguments = new HashMap<>();
      if (on) {
        arguments.put("x-message-deduplication", true);
        arguments.put("x-cache-size", 100_000);
      }
      publisher.queueDeclare(queue, true, false, false, arguments);
      Channel consumer = consumerConnection.createChannel();
      DeliverCallback count = (tag, delivery) -> received.incrementAndGet();
      consumer.basicConsume(queue, true, count, tag -> { });

      Semaphore inFlight = new Semaphore(200);
      publisher.confirmSelect();
      publisher.addConfirmListener(new ConfirmListener() {
        private long settledUpTo;

        @Override
        public void handleAck(long tag, boolean multiple) {
          settle(tag, multiple);
        }

        @Override
        public void handleNack(long tag, boolean multiple) {
          settle(tag, multiple);
        }

        private synchronized void settle(long tag, boolean multiple) {
          long count = multiple ? tag - settledUpTo : 1;
          settledUpTo = Math.max(settledUpTo, tag);
          confirmed.addAndGet(count);
          inFlight.release((int) count);
        }
      });
      byte[] body = new byte[64];
      long start = System.nanoTime();
      long countFrom = start + TimeUnit.SECONDS.toNanos(warmup);
      long end = countFrom + TimeUnit.SECONDS.toNanos(seconds);
      long confirmedAtStart = -1;
      long receivedAtStart = 0;
      long id = 0;
      while (System.nanoTime() < end) {
        if (confirmedAtStart < 0 && System.nanoTime() >= countFrom) {
          confirmedAtStart = confirmed.get();
          receivedAtStart = received.get();
        }
        if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().deliveryMode(2)
            .messageId("m-" + id++).build();
        publisher.basicPublish("", queue, properties, body);
      }
      long confirmedCount = confirmed.get() - Math.max(0, confirmedAtStart);
      long receivedCount = received.get() - receivedAtStart;
      System.out.printf("dedup mode=%s seconds=%d confirmed_per_s=%d received_per_s=%d%n", args[1], seconds,
          confirmedCount / seconds, receivedCount / seconds);
      publisher.queueDelete(queue);
    }
  }
}
