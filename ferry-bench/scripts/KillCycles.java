import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The kill -9 soak behind docs/reliability.md: many cycles of "publish with confirms while a
 * consumer acks part of the flow, SIGKILL the broker at a random moment, restart it on the same
 * data directory, drain every queue", counting what the broker confirmed and did not give back.
 *
 * <p>Every message body names its queue, publisher and sequence number. A message counts as lost
 * when the broker confirmed it, no consumer acked it, and it is not among what the restarted broker
 * delivers. Messages that come back twice are counted (at-least-once allows them: acks of the last
 * checkpoint interval may be forgotten by a crash) but are not failures.
 *
 * <p>Run: java -cp AMQP_CLIENT_CLASSPATH KillCycles.java --ferry BIN/FERRY --data DIR [--cycles N]
 * [--seed S] [--port P] [--queues Q] [--publishers P] [--paging] [--min-ms A --max-ms B]
 * Prints one line per cycle and a summary; exits 1 if anything confirmed was lost.
 */
public class KillCycles {
  private static final Random RANDOM = new Random();

  private final Path ferry;
  private final Path dataDir;
  private final int port;
  private final int queues;
  private final int publishers;
  private final boolean paging;
  private final Random random;
  private final long minLoadMs;
  private final long maxLoadMs;

  private Process broker;

  KillCycles(Path ferry, Path dataDir, int port, int queues, int publishers, boolean paging, long seed,
      long minLoadMs, long maxLoadMs) {
    this.ferry = ferry;
    this.dataDir = dataDir;
    this.port = port;
    this.queues = queues;
    this.publishers = publishers;
    this.paging = paging;
    this.random = new Random(seed);
    this.minLoadMs = minLoadMs;
    this.maxLoadMs = maxLoadMs;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new TreeMap<>();
    Set<String> flags = new HashSet<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--paging")) {
        flags.add("paging");
      } else if (args[i].startsWith("--") && i + 1 < args.length) {
        options.put(args[i].substring(2), args[++i]);
      } else {
        System.err.println("unknown argument " + args[i]);
        System.exit(2);
      }
    }
    if (!options.containsKey("ferry") || !options.containsKey("data")) {
      System.err.println("usage: KillCycles --ferry BIN/FERRY --data DIR [--cycles N] [--seed S] [--port P]"
          + " [--queues Q] [--publishers P] [--paging] [--min-ms A] [--max-ms B]");
      System.exit(2);
    }
    long seed = Long.parseLong(options.getOrDefault("seed", Long.toString(RANDOM.nextLong())));
    int cycles = Integer.parseInt(options.getOrDefault("cycles", "20"));
    KillCycles soak = new KillCycles(Path.of(options.get("ferry")), Path.of(options.get("data")),
        Integer.parseInt(options.getOrDefault("port", "5698")),
        Integer.parseInt(options.getOrDefault("queues", "3")),
        Integer.parseInt(options.getOrDefault("publishers", "4")), flags.contains("paging"), seed,
        Long.parseLong(options.getOrDefault("min-ms", "500")), Long.parseLong(options.getOrDefault("max-ms", "4000")));
    System.out.println("seed=" + seed + " cycles=" + cycles + " queues=" + soak.queues + " publishers="
        + soak.publishers + " paging=" + soak.paging);
    System.exit(soak.run(cycles) ? 0 : 1);
  }

  boolean run(int cycles) throws Exception {
    Files.createDirectories(dataDir);
    long confirmedTotal = 0;
    long lostTotal = 0;
    long duplicatesTotal = 0;
    long nackedTotal = 0;
    List<Long> recoveryMillis = new ArrayList<>();
    try {
      startBroker();
      declareQueues();
      for (int cycle = 1; cycle <= cycles; cycle++) {
        CycleResult result = loadAndKill(cycle);
        long restartedAt = System.nanoTime();
        startBroker();
        long recovery = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt);
        recoveryMillis.add(recovery);
        Set<String> received = new HashSet<>();
        long duplicates = drain(received);
        long lost = 0;
        List<String> examples = new ArrayList<>();
        for (String id : result.confirmed) {
          if (!result.acked.contains(id) && !received.contains(id)) {
            lost++;
            if (examples.size() < 5) {
              examples.add(id);
            }
          }
        }
        confirmedTotal += result.confirmed.size();
        lostTotal += lost;
        duplicatesTotal += duplicates;
        nackedTotal += result.nacked;
        System.out.printf("cycle %d: load %d ms, confirmed %d, nacked %d, acked by consumer %d, recovered %d,"
                + " lost %d%s, delivered twice %d, restart %d ms%n", cycle, result.loadMs, result.confirmed.size(),
            result.nacked, result.acked.size(), received.size(), lost, examples.isEmpty() ? "" : " " + examples,
            duplicates, recovery);
      }
    } finally {
      stopBroker();
    }
    Collections.sort(recoveryMillis);
    System.out.printf("summary: %d cycles, %d confirmed, %d nacked, %d lost, %d delivered twice, restart median %d ms,"
            + " max %d ms%n", recoveryMillis.size(), confirmedTotal, nackedTotal, lostTotal, duplicatesTotal,
        recoveryMillis.isEmpty() ? 0 : recoveryMillis.get(recoveryMillis.size() / 2),
        recoveryMillis.isEmpty() ? 0 : recoveryMillis.get(recoveryMillis.size() - 1));
    return lostTotal == 0;
  }

  private String queueName(int index) {
    return "soak-" + index;
  }

  private void declareQueues() throws Exception {
    try (Connection connection = connect(); Channel channel = connection.createChannel()) {
      for (int q = 0; q < queues; q++) {
        channel.queueDeclare(queueName(q), true, false, false, null);
      }
    }
  }

  private record CycleResult(Set<String> confirmed, Set<String> acked, long nacked, long loadMs) {
  }

  /** Publishers with confirms and one acking consumer run until the broker is killed under them. */
  private CycleResult loadAndKill(int cycle) throws Exception {
    Set<String> confirmed = ConcurrentHashMap.newKeySet();
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicLong nacked = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    CountDownLatch started = new CountDownLatch(publishers + 1);
    for (int p = 0; p < publishers; p++) {
      int publisher = p;
      threads.add(new Thread(() -> publish(cycle, publisher, confirmed, nacked, stop, started), "publisher-" + p));
    }
    threads.add(new Thread(() -> consume(acked, stop, started), "consumer"));
    threads.forEach(Thread::start);
    started.await(30, TimeUnit.SECONDS);
    long loadMs = minLoadMs + (long) (random.nextDouble() * (maxLoadMs - minLoadMs));
    Thread.sleep(loadMs); // the load runs for a random while; the kill is meant to land anywhere in it
    broker.destroyForcibly(); // SIGKILL on Linux
    broker.waitFor(30, TimeUnit.SECONDS);
    stop.set(true);
    for (Thread thread : threads) {
      thread.join(30_000);
    }
    return new CycleResult(confirmed, acked, nacked.get(), loadMs);
  }

  private void publish(int cycle, int publisher, Set<String> confirmed, AtomicLong nacked, AtomicBoolean stop,
      CountDownLatch started) {
    ConcurrentNavigableMap<Long, String> outstanding = new ConcurrentSkipListMap<>();
    try (Connection connection = connect()) {
      Channel channel = connection.createChannel();
      channel.confirmSelect();
      channel.addConfirmListener((tag, multiple) -> settle(outstanding, tag, multiple, confirmed, null),
          (tag, multiple) -> settle(outstanding, tag, multiple, null, nacked));
      started.countDown();
      AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
      byte[] padding = new byte[random.nextInt(2000)];
      for (long sequence = 0; !stop.get(); sequence++) {
        int queue = (int) (sequence % queues);
        String id = queueName(queue) + "/" + cycle + "/" + publisher + "/" + sequence;
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[idBytes.length + 1 + padding.length];
        System.arraycopy(idBytes, 0, body, 0, idBytes.length);
        body[idBytes.length] = '|';
        outstanding.put(channel.getNextPublishSeqNo(), id);
        channel.basicPublish("", queueName(queue), persistent, body);
        if (outstanding.size() > 2000) {
          channel.waitForConfirms(10_000);
        }
      }
    } catch (Exception expected) {
      // The broker was killed under us: whatever was not confirmed by now was not promised.
    } finally {
      started.countDown();
    }
  }

  private static void settle(ConcurrentNavigableMap<Long, String> outstanding, long tag, boolean multiple,
      Set<String> confirmed, AtomicLong nacked) {
    SortedMap<Long, String> done = multiple ? outstanding.headMap(tag, true) : outstanding.subMap(tag, true, tag, true);
    for (String id : new ArrayList<>(done.values())) {
      if (confirmed != null) {
        confirmed.add(id);
      } else {
        nacked.incrementAndGet();
      }
    }
    done.clear();
  }

  /** Acks every other delivery of queue 0, so acks and checkpoints are part of what a crash cuts. */
  private void consume(Set<String> acked, AtomicBoolean stop, CountDownLatch started) {
    try (Connection connection = connect()) {
      Channel channel = connection.createChannel();
      channel.basicQos(200);
      channel.basicConsume(queueName(0), false, new DefaultConsumer(channel) {
        private long seen;

        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
            throws IOException {
          if (seen++ % 2 == 0) {
            acked.add(idOf(body));
            channel.basicAck(envelope.getDeliveryTag(), false);
          } else {
            channel.basicNack(envelope.getDeliveryTag(), false, true);
          }
        }
      });
      started.countDown();
      while (!stop.get() && connection.isOpen()) {
        Thread.sleep(50);
      }
    } catch (Exception expected) {
      // Killed under us.
    } finally {
      started.countDown();
    }
  }

  /** Takes everything the restarted broker holds, acking it; returns how many ids came more than once. */
  private long drain(Set<String> received) throws Exception {
    long duplicates = 0;
    try (Connection connection = connect(); Channel channel = connection.createChannel()) {
      for (int q = 0; q < queues; q++) {
        GetResponse response;
        while ((response = channel.basicGet(queueName(q), false)) != null) {
          if (!received.add(idOf(response.getBody()))) {
            duplicates++;
          }
          channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
        }
      }
    }
    return duplicates;
  }

  private static String idOf(byte[] body) {
    int end = 0;
    while (end < body.length && body[end] != '|') {
      end++;
    }
    return new String(body, 0, end, StandardCharsets.UTF_8);
  }

  private Connection connect() throws Exception {
    ConnectionFactory factory = new ConnectionFactory();
    factory.setHost("127.0.0.1");
    factory.setPort(port);
    factory.setAutomaticRecoveryEnabled(false);
    factory.setConnectionTimeout(10_000);
    return factory.newConnection();
  }

  private void startBroker() throws Exception {
    List<String> command = new ArrayList<>(List.of(ferry.toString(), "--data-dir", dataDir.toString(),
        "--amqp-port", Integer.toString(port)));
    if (paging) {
      command.addAll(List.of("--queue-memory-messages", "64"));
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    broker = builder.start();
    CountDownLatch listening = new CountDownLatch(1);
    Path logFile = dataDir.resolveSibling(dataDir.getFileName() + ".broker.log");
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(broker.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          Files.writeString(logFile, line + System.lineSeparator(), StandardCharsets.UTF_8,
              java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
          if (line.contains("listening on amqp://")) {
            listening.countDown();
          }
        }
      } catch (IOException ignored) {
        // The broker went away.
      }
    }, "broker-output");
    reader.setDaemon(true);
    reader.start();
    if (!listening.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the broker did not start within 120 s; see " + logFile);
    }
  }

  private void stopBroker() throws InterruptedException {
    if (broker != null && broker.isAlive()) {
      broker.destroy(); // SIGTERM: a clean stop at the end
      if (!broker.waitFor(30, TimeUnit.SECONDS)) {
        broker.destroyForcibly();
      }
    }
  }
}
