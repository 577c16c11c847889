import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Fixed-rate end-to-end latency probe for compare-rabbitmq.sh. PerfTest's summary stops at the
 * 99th percentile; this probe keeps every sample so that it can report p99.9 as well.
 *
 * One connection publishes 12-byte messages (System.nanoTime of the send in the first 8 bytes) to
 * a transient, auto-delete queue through the default exchange at a fixed rate; a second
 * connection consumes them with auto-ack. Latency is receive time minus send time, both from the
 * same JVM clock. Samples from the first warm-up seconds are dropped. Prints one line:
 *
 *   probe rate=5000 seconds=20 sent=N received=N measured=N p50_us=.. p99_us=.. p999_us=.. max_us=..
 *
 * Run: java -cp AMQP_CLIENT_CLASSPATH LatencyProbe.java URI RATE SECONDS WARMUP_SECONDS
 */
public class LatencyProbe {
  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: LatencyProbe URI RATE SECONDS WARMUP_SECONDS");
      System.exit(2);
    }
    String uri = args[0];
    int rate = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    int warmup = Integer.parseInt(args[3]);
    String queue = "bench-latency-probe";

    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(uri);
    factory.setAutomaticRecoveryEnabled(false);

    long[] samples = new long[rate * (seconds + 1)];
    AtomicInteger measured = new AtomicInteger();
    AtomicLong received = new AtomicLong();
    long[] warmupEnd = new long[1];

    try (Connection consumerConn = factory.newConnection("latency-probe-consumer");
         Connection producerConn = factory.newConnection("latency-probe-producer")) {
      Channel consumerCh = consumerConn.createChannel();
      consumerCh.queueDeclare(queue, false, false, true, null);
      consumerCh.basicConsume(queue, true, new DefaultConsumer(consumerCh) {
        @Override
        public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties props, byte[] body) {
          long now = System.nanoTime();
          long sent = ByteBuffer.wrap(body).getLong();
          if (sent >= warmupEnd[0]) {
            int i = measured.getAndIncrement();
            if (i < samples.length) {
              samples[i] = now - sent;
            }
          }
          // Counted last, so that the main thread's read of `received` also publishes the sample.
          received.incrementAndGet();
        }
      });

      Channel producerCh = producerConn.createChannel();
      byte[] body = new byte[12];
      long period = 1_000_000_000L / rate;
      long total = (long) rate * seconds;
      long start = System.nanoTime();
      warmupEnd[0] = start + TimeUnit.SECONDS.toNanos(warmup);
      for (long i = 0; i < total; i++) {
        long due = start + i * period;
        // Sleep rather than spin: on a 2-core machine a spinning client would steal the broker's
        // CPU. The send time is read after waking, so timer slack does not count as latency.
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
        ByteBuffer.wrap(body).putLong(System.nanoTime());
        producerCh.basicPublish("", queue, null, body);
      }
      // Give stragglers up to 10 s to arrive.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (received.get() < total && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      int n = Math.min(measured.get(), samples.length);
      long[] sorted = Arrays.copyOf(samples, n);
      Arrays.sort(sorted);
      System.out.printf("probe rate=%d seconds=%d sent=%d received=%d measured=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d%n",
          rate, seconds, total, received.get(), n,
          pct(sorted, 0.50), pct(sorted, 0.99), pct(sorted, 0.999), n == 0 ? -1 : sorted[n - 1] / 1000);
      consumerCh.queueDelete(queue);
    }
  }

  private static long pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return -1;
    }
    int idx = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(idx, sorted.length - 1))] / 1000;
  }
}
