package dev.ferry.embedded;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.BrokerSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A Ferry broker running in the caller's JVM: the same {@link FerryServer} the {@code ferry}
 * process runs, started through the same {@link FerryServer#startWith} path, listening on
 * loopback only. Made by {@link #builder()}; {@link #close()} stops it as SIGTERM stops the
 * process (listeners first, storage flushed and closed last) and releases every port.
 *
 * <pre>{@code
 * try (Ferry ferry = Ferry.builder().inMemory(true).start()) {
 *     connectionFactory.setUri(ferry.amqpUri());
 *     producerProps.put("bootstrap.servers", ferry.kafkaBootstrapServers());
 * }
 * }</pre>
 *
 * <p>Design note: it differs from the process in what a host JVM needs: every port defaults to
 * 0 (a free one), no idle-heap collection is run (the heap is the application's), the memory
 * alarm is off (the application's objects would trip it), and Kafka groups rebalance at once
 * (the test harness's {@code group.initial.rebalance.delay.ms=0}). {@link Builder#settings}
 * changes anything else.
 *
 * <p>Thread safety: {@link #close()} may be called from any thread, more than once.
 */
public final class Ferry implements AutoCloseable {
    private static final String HOST = "127.0.0.1";

    private final FerryServer server;
    private final Path dataDir;
    private final boolean deleteDataDir;
    private final boolean inMemory;
    private boolean closed;

    private Ferry(FerryServer server, Path dataDir, boolean deleteDataDir, boolean inMemory) {
        this.server = server;
        this.dataDir = dataDir;
        this.deleteDataDir = deleteDataDir;
        this.inMemory = inMemory;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The AMQP 0-9-1 port it listens on (127.0.0.1). */
    public int amqpPort() {
        return server.amqpPort();
    }

    /** The Kafka protocol port it listens on (127.0.0.1). */
    public int kafkaPort() {
        return server.kafkaPort();
    }

    /** The management HTTP API's port (RabbitMQ's management API; {@code ferry queues --url ...} talks to it). */
    public int httpPort() {
        return server.httpPort();
    }

    /** The Prometheus metrics port. */
    public int prometheusPort() {
        return server.prometheusPort();
    }

    /** The AMQPS (AMQP over TLS) port, when {@code settings.amqpsPort} asked for one with a certificate; -1 otherwise. */
    public int amqpsPort() {
        return server.amqpsPort();
    }

    /** The Kafka SSL port, when {@code settings.kafkaSslPort} asked for one with a certificate; -1 otherwise. */
    public int kafkaSslPort() {
        return server.kafkaSslPort();
    }

    /** {@code amqp://guest:guest@127.0.0.1:PORT}, for a client's {@code setUri} (virtual host {@code /}). */
    public URI amqpUri() {
        return URI.create("amqp://guest:guest@" + HOST + ":" + amqpPort());
    }

    /** {@code 127.0.0.1:PORT}, a Kafka client's {@code bootstrap.servers}. */
    public String kafkaBootstrapServers() {
        return HOST + ":" + kafkaPort();
    }

    /** {@code http://guest:guest@127.0.0.1:PORT}: the management API, as {@code FERRY_URL} takes it. */
    public URI httpUri() {
        return URI.create("http://guest:guest@" + HOST + ":" + httpPort());
    }

    /** Where topics, groups, users and (unless in memory) queues are kept. */
    public Path dataDir() {
        return dataDir;
    }

    /** Whether queues and declarations are kept in memory only. */
    public boolean inMemory() {
        return inMemory;
    }

    /** Stops the broker and releases its ports; a data directory it made itself is deleted. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } finally {
            if (deleteDataDir) {
                deleteRecursively(dataDir);
            }
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the embedded broker's data in " + directory, e);
        }
    }

    /** What to start: every setting has a default fit for a test. */
    public static final class Builder {
        private Path dataDir;
        private int amqpPort;
        private int kafkaPort;
        private int httpPort;
        private int prometheusPort;
        private boolean inMemory;
        private Consumer<BrokerSettings> customizer = settings -> { };

        private Builder() {
        }

        /**
         * Where the data lives, kept after {@link Ferry#close()} (a restart on it recovers what was
         * durable). Default: a new temporary directory, deleted on close.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** AMQP port; 0 (the default) picks a free one. */
        public Builder amqpPort(int port) {
            this.amqpPort = port;
            return this;
        }

        /** Kafka port; 0 (the default) picks a free one. */
        public Builder kafkaPort(int port) {
            this.kafkaPort = port;
            return this;
        }

        /** Management HTTP API port; 0 (the default) picks a free one. */
        public Builder httpPort(int port) {
            this.httpPort = port;
            return this;
        }

        /** Prometheus metrics port; 0 (the default) picks a free one. */
        public Builder prometheusPort(int port) {
            this.prometheusPort = port;
            return this;
        }

        /**
         * Queues' messages and declarations in memory only (ferry-core's in-memory message store):
         * nothing is written for them, and nothing of them survives a close. Topics, consumer
         * groups and users still use the data directory. Default: false, the durable log.
         */
        public Builder inMemory(boolean inMemory) {
            this.inMemory = inMemory;
            return this;
        }

        /**
         * Changes any other setting of the broker (the fields {@code ferry --help} describes), after
         * the builder's own: for example {@code settings -> settings.users = List.of("app:secret")}.
         */
        public Builder settings(Consumer<BrokerSettings> customizer) {
            this.customizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /**
         * Starts the broker and returns once every listener accepts connections.
         *
         * @throws dev.ferry.server.config.ConfigException for a setting that is wrong (the message names it)
         * @throws UncheckedIOException when the temporary data directory cannot be made
         */
        public Ferry start() {
            boolean temporary = dataDir == null;
            Path directory;
            try {
                directory = temporary ? Files.createTempDirectory("ferry-embedded-") : dataDir;
            } catch (IOException e) {
                throw new UncheckedIOException("could not make a data directory for the embedded broker", e);
            }
            BrokerSettings settings = new BrokerSettings();
            settings.dataDir = directory;
            settings.bind = List.of(HOST);
            settings.amqpPort = amqpPort;
            settings.kafkaPort = kafkaPort;
            settings.httpPort = httpPort;
            settings.prometheusPort = prometheusPort;
            settings.kafkaAdvertisedHost = HOST;
            settings.inMemoryQueues = inMemory;
            settings.heapReleaseIntervalMs = 0;
            settings.memoryHighWatermark = 1.0;
            settings.groupInitialRebalanceDelayMs = 0;
            customizer.accept(settings);
            try {
                FerryServer server = FerryServer.startWith(settings.conclude());
                return new Ferry(server, settings.dataDir, temporary, inMemory);
            } catch (RuntimeException e) {
                if (temporary) {
                    deleteRecursively(directory);
                }
                throw e;
            }
        }
    }
}
