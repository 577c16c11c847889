package dev.ferry.it.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Ferry broker in a child JVM, started from the test's own class path (which holds
 * ferry-server and everything it needs), listening on a free loopback port. Tests stop it by PID:
 * {@link #terminate()} sends SIGTERM, {@link #kill()} sends SIGKILL, the way an operator or a
 * crash would.
 */
public final class BrokerProcess implements AutoCloseable {
    /** The first address of the broker's "listening on" line; an IPv6 one is bracketed. */
    private static final Pattern LISTENING = Pattern.compile("listening on amqp://(?:\\[[^\\]]+\\]|[^:/\\[]+):(\\d+)");
    /** The TLS listeners' lines: "AMQPS listening on 127.0.0.1:5671, ..." and "Kafka SSL listening on ...". */
    private static final Pattern AMQPS_LISTENING = Pattern.compile("AMQPS listening on (?:\\[[^\\]]+\\]|[^:\\s\\[]+):(\\d+)");
    private static final Pattern KAFKA_SSL_LISTENING =
            Pattern.compile("Kafka SSL listening on (?:\\[[^\\]]+\\]|[^:\\s\\[]+):(\\d+)");
    /** The Kafka listener's line, logged before the line above; its first address. */
    private static final Pattern HTTP_LISTENING = Pattern.compile("HTTP listening on (?:\\[[^\\]]+\\]|[^:\\s\\[]+):(\\d+)");
    private static final Pattern HTTPS_LISTENING = Pattern.compile("HTTPS listening on (?:\\[[^\\]]+\\]|[^:\\s\\[]+):(\\d+)");
    private static final Pattern PROMETHEUS_LISTENING = Pattern.compile("Prometheus listening on (?:\\[[^\\]]+\\]|[^:\\s\\[]+):(\\d+)");
    private static final Pattern KAFKA_LISTENING = Pattern.compile("Kafka listening on (?:\\[[^\\]]+\\]|[^:\\s\\[]+):(\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    // A wrapping main may instrument every class the broker loads (BlockHound does), which makes
    // the start several times slower, more so on a busy machine.
    private static final Duration WRAPPED_START_TIMEOUT = Duration.ofSeconds(90);

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final Path dataDir;
    private final Thread outputReader;
    private volatile int amqpPort = -1;
    private volatile int kafkaPort = -1;
    private volatile int amqpsPort = -1;
    private volatile int kafkaSslPort = -1;
    private volatile int httpPort = -1;
    private volatile int httpsPort = -1;
    private volatile int prometheusPort = -1;

    private BrokerProcess(Process process, Path dataDir) {
        this.process = process;
        this.dataDir = dataDir;
        outputReader = new Thread(this::readOutput, "broker-output-" + process.pid());
        outputReader.setDaemon(true);
        outputReader.start();
    }

    /** Starts a broker on a free port with its data in {@code dataDir} and waits until it listens. */
    public static BrokerProcess start(Path dataDir, String... extraArgs) throws IOException {
        List<String> arguments = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "--amqp-port", "0"));
        arguments.addAll(List.of(extraArgs));
        BrokerProcess broker = launch(arguments);
        broker.awaitListening();
        return broker;
    }

    /**
     * As {@link #start(Path, String...)}, with extra environment variables (a {@code FERRY_*}
     * setting given the way an operator keeps it out of the command line).
     */
    public static BrokerProcess startWithEnvironment(Path dataDir, java.util.Map<String, String> environment,
                                                     String... extraArgs) throws IOException {
        List<String> arguments = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "--amqp-port", "0"));
        arguments.addAll(List.of(extraArgs));
        BrokerProcess broker = launch(arguments, environment);
        broker.awaitListening();
        return broker;
    }

    /** Starts the broker process with exactly these arguments and does not wait for anything. */
    public static BrokerProcess launch(List<String> arguments) throws IOException {
        return launch(arguments, java.util.Map.of());
    }

    /** As {@link #launch(List)}, with extra environment variables (for the FERRY_* settings). */
    public static BrokerProcess launch(List<String> arguments, java.util.Map<String, String> environment)
            throws IOException {
        return launch("dev.ferry.server.FerryMain", List.of(), arguments, environment);
    }

    /**
     * Starts a broker through another main class of the test class path (one that wraps
     * {@code FerryMain}, e.g. to install a checker first), with extra JVM options, on a free port
     * with its data in {@code dataDir}, and waits until it listens.
     */
    public static BrokerProcess startWith(String mainClass, List<String> jvmOptions, Path dataDir, String... extraArgs)
            throws IOException {
        List<String> arguments = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "--amqp-port", "0"));
        arguments.addAll(List.of(extraArgs));
        BrokerProcess broker = launch(mainClass, jvmOptions, arguments, java.util.Map.of());
        broker.awaitListening(WRAPPED_START_TIMEOUT);
        return broker;
    }

    /**
     * Starts a broker on a free port with its data in {@code dataDir}, in a JVM started with
     * {@code jvmOptions} (a heap size, for tests of memory bounds), and waits until it listens.
     */
    public static BrokerProcess startWithJvmOptions(Path dataDir, List<String> jvmOptions, String... extraArgs)
            throws IOException {
        List<String> arguments = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "--amqp-port", "0"));
        arguments.addAll(List.of(extraArgs));
        BrokerProcess broker = launch("dev.ferry.server.FerryMain", jvmOptions, arguments, java.util.Map.of());
        broker.awaitListening();
        return broker;
    }

    /** Launches {@code mainClass}; a 512 MiB heap unless {@code jvmOptions} sets one. */
    private static BrokerProcess launch(String mainClass, List<String> jvmOptions, List<String> arguments,
                                        java.util.Map<String, String> environment) throws IOException {
        Path dataDir = null;
        int index = arguments.indexOf("--data-dir");
        if (index >= 0 && index + 1 < arguments.size()) {
            dataDir = Path.of(arguments.get(index + 1));
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (jvmOptions.stream().noneMatch(option -> option.startsWith("-Xmx"))) {
            command.add("-Xmx512m");
        }
        command.add("-ea");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(arguments);
        return run(command, dataDir, environment);
    }

    /**
     * Starts the broker the way the README does, through the start script {@code bin/ferry} (which
     * runs the packaged jar), on a free port with its data in {@code dataDir}, and waits until it
     * listens. The script execs java, so {@link #pid()} is the JVM's.
     */
    public static BrokerProcess startScript(Path dataDir, java.util.Map<String, String> environment) throws IOException {
        Path script = Path.of(System.getProperty("basedir", "."), "..", "bin", "ferry").normalize();
        BrokerProcess broker = run(List.of("bash", script.toString(), "--data-dir", dataDir.toString(), "--amqp-port", "0"),
                dataDir, environment);
        broker.awaitListening();
        return broker;
    }

    private static BrokerProcess run(List<String> command, Path dataDir, java.util.Map<String, String> environment)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("FERRY_") || name.equals("MALLOC_ARENA_MAX"));
        // A free Kafka port unless the test chooses one (a flag beats this): brokers of parallel
        // builds on one machine must not all want 9092.
        builder.environment().put("FERRY_KAFKA_PORT", "0");
        // The same for the management API's 15672.
        builder.environment().put("FERRY_HTTP_PORT", "0");
        builder.environment().put("FERRY_PROMETHEUS_PORT", "0");
        builder.environment().putAll(environment);
        return new BrokerProcess(builder.start(), dataDir);
    }

    private void readOutput() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.add(line);
                Matcher amqps = AMQPS_LISTENING.matcher(line);
                if (amqps.find()) {
                    amqpsPort = Integer.parseInt(amqps.group(1));
                }
                Matcher kafkaSsl = KAFKA_SSL_LISTENING.matcher(line);
                if (kafkaSsl.find()) {
                    kafkaSslPort = Integer.parseInt(kafkaSsl.group(1));
                }
                Matcher prometheus = PROMETHEUS_LISTENING.matcher(line);
                if (prometheus.find()) {
                    prometheusPort = Integer.parseInt(prometheus.group(1));
                }
                Matcher https = HTTPS_LISTENING.matcher(line);
                if (https.find()) {
                    httpsPort = Integer.parseInt(https.group(1));
                }
                Matcher http = HTTP_LISTENING.matcher(line);
                if (http.find()) {
                    httpPort = Integer.parseInt(http.group(1));
                }
                Matcher kafka = KAFKA_LISTENING.matcher(line);
                if (kafka.find()) {
                    kafkaPort = Integer.parseInt(kafka.group(1));
                }
                Matcher matcher = LISTENING.matcher(line);
                if (matcher.find()) {
                    amqpPort = Integer.parseInt(matcher.group(1));
                }
            }
        } catch (IOException e) {
            output.add("[output closed: " + e + "]");
        }
    }

    private void awaitListening() {
        awaitListening(START_TIMEOUT);
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (amqpPort < 0) {
            if (!process.isAlive()) {
                throw new IllegalStateException("broker exited with " + process.exitValue() + " before listening:\n"
                        + String.join("\n", output));
            }
            if (System.nanoTime() > deadline) {
                kill();
                throw new IllegalStateException("broker did not listen within " + timeout + ":\n"
                        + String.join("\n", output));
            }
            try {
                // Polling the child's output: there is no event to wait on across the process boundary.
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the broker", e);
            }
        }
    }

    public int amqpPort() {
        return amqpPort;
    }

    /** The AMQPS listener's port (its first address), once the broker listens; -1 without one. */
    public int amqpsPort() {
        return amqpsPort;
    }

    /** The Kafka SSL listener's port (its first address), once the broker listens; -1 without one. */
    public int kafkaSslPort() {
        return kafkaSslPort;
    }

    /** The Prometheus metrics port (its first address), once the broker listens. */
    public int prometheusPort() {
        return prometheusPort;
    }

    /** The management API's HTTPS port (its first address), once the broker listens; -1 without one. */
    public int httpsPort() {
        return httpsPort;
    }

    /** The management HTTP API's port (its first address), once the broker listens. */
    public int httpPort() {
        return httpPort;
    }

    /** The Kafka listener's port (its first address), once the broker listens. */
    public int kafkaPort() {
        return kafkaPort;
    }

    public long pid() {
        return process.pid();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Every line the broker printed so far (standard output and error together). */
    public List<String> output() {
        return List.copyOf(output);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGTERM, then waits for the exit code; the broker must stop cleanly within the timeout. The
     * signal goes through {@link ProcessHandle} because {@link Process#destroy()} also closes our
     * end of the child's output, which would lose its last log lines.
     */
    public int terminate() {
        process.toHandle().destroy();
        return awaitExit(Duration.ofSeconds(30));
    }

    /** SIGKILL: the broker gets no chance to flush or close anything. */
    public void kill() {
        process.toHandle().destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** Waits for the process to end and returns its exit code. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor();
                throw new IllegalStateException("broker " + process.pid() + " did not exit within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker to exit", e);
        }
        try {
            // Everything the process printed is read once its output reaches end of stream.
            outputReader.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
