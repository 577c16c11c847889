import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.embedded.Ferry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Start-up time to the first AMQP connection a client completes (the whole handshake, through
 * connection.open-ok), two ways:
 *
 *   embedded ROUNDS         Ferry.builder().start() in this JVM, then a RabbitMQ-client connection;
 *                           round 1 is cold (classes loaded, code interpreted), the rest warm. Both
 *                           in memory (inMemory(true)) and on the durable log in a temporary directory.
 *   process PORT CMD...     starts CMD (a broker process) and connects to 127.0.0.1:PORT every 5 ms
 *                           from the moment it is launched; prints the time to the first connection
 *                           and leaves the process to the caller (prints its PID).
 *
 * Run: java -cp FERRY_JAR:FERRY_EMBEDDED_CLASSES StartupProbe.java embedded 10
 */
public class StartupProbe {
  public static void main(String[] args) throws Exception {
    if (args.length >= 2 && args[0].equals("embedded")) {
      embedded(Integer.parseInt(args[1]));
    } else if (args.length >= 3 && args[0].equals("process")) {
      process(Integer.parseInt(args[1]), Arrays.copyOfRange(args, 2, args.length));
    } else {
      System.err.println("usage: StartupProbe embedded ROUNDS | process PORT CMD...");
      System.exit(2);
    }
  }

  private static void embedded(int rounds) throws Exception {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    boolean cold = true;
    for (boolean inMemory : new boolean[] {true, false}) {
      List<Double> startMs = new ArrayList<>();
      List<Double> connectedMs = new ArrayList<>();
      double firstCpuMs = 0;
      for (int round = 0; round < rounds; round++) {
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        try (Ferry ferry = Ferry.builder().inMemory(inMemory).start()) {
          long started = System.nanoTime();
          ConnectionFactory factory = new ConnectionFactory();
          factory.setUri(ferry.amqpUri());
          try (Connection connection = factory.newConnection()) {
            long connected = System.nanoTime();
            startMs.add((started - t0) / 1e6);
            connectedMs.add((connected - t0) / 1e6);
            if (round == 0) {
              // CPU time of every thread of the JVM: what a busy machine stretches least.
              firstCpuMs = (os.getProcessCpuTime() - cpu0) / 1e6;
            }
          }
        }
      }
      String mode = inMemory ? "in-memory" : "durable";
      System.out.printf(Locale.ROOT, "embedded %-9s %s: start %.0f ms, first connection %.0f ms, CPU %.0f ms%n", mode,
          cold ? "cold (first in this JVM)" : "round 1", startMs.get(0), connectedMs.get(0), firstCpuMs);
      cold = false;
      if (rounds > 1) {
        List<Double> warmStart = new ArrayList<>(startMs.subList(1, rounds));
        List<Double> warm = new ArrayList<>(connectedMs.subList(1, rounds));
        System.out.printf(Locale.ROOT, "embedded %-9s warm (median of %d): start %.0f ms, first connection %.0f ms (min %.0f, max %.0f)%n",
            mode, warm.size(), median(warmStart), median(warm), warm.stream().mapToDouble(d -> d).min().orElse(0),
            warm.stream().mapToDouble(d -> d).max().orElse(0));
      }
    }
  }

  private static void process(int port, String[] command) throws Exception {
    ConnectionFactory factory = new ConnectionFactory();
    factory.setHost("127.0.0.1");
    factory.setPort(port);
    factory.setConnectionTimeout(1000);
    factory.setAutomaticRecoveryEnabled(false);
    long t0 = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = t0 + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      try (Connection connection = factory.newConnection()) {
        System.out.printf(Locale.ROOT, "first connection after %.0f ms (pid %d)%n", (System.nanoTime() - t0) / 1e6,
            process.pid());
        return;
      } catch (Exception notYet) {
        Thread.sleep(5);
      }
    }
    System.out.println("no connection within 120 s");
    System.exit(1);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }
}
