package dev.ferry.it.durability;

import static dev.ferry.it.durability.DurabilityTest.bodies;
import static dev.ferry.it.durability.DurabilityTest.drain;
import static dev.ferry.it.durability.DurabilityTest.publishConfirmed;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import dev.ferry.it.support.BrokerProcess;

/**
 * What the broker does with its metadata under faults, with real broker processes: a damaged
 * record costs only itself, an unreadable metadata log stops the start, queue data no declaration
 * owns is set aside (and can be restored as the README says), and concurrent declares are durable
 * once answered.
 */
class MetadataFaultsTest extends BrokerProcessTestBase {
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);
    private static final int METADATA_UNREADABLE = 3;

    private Path segment() {
        return dataDir.resolve("metadata").resolve("00000000000000000000.log");
    }

    private static int indexOf(byte[] haystack, String needle) {
        byte[] bytes = needle.getBytes(StandardCharsets.UTF_8);
        int found = -1;
        outer:
        for (int i = 0; i + bytes.length <= haystack.length; i++) {
            for (int j = 0; j < bytes.length; j++) {
                if (haystack[i + j] != bytes[j]) {
                    continue outer;
                }
            }
            assertThat(found).as("'%s' occurs once in the metadata log", needle).isEqualTo(-1);
            found = i;
        }
        assertThat(found).as("'%s' is in the metadata log", needle).isNotNegative();
        return found;
    }

    private List<Path> queueDirectories() throws IOException {
        try (Stream<Path> files = Files.walk(dataDir.resolve("queues"), 2)) {
            return files.filter(path -> path.getNameCount() == dataDir.resolve("queues").getNameCount() + 2).sorted().toList();
        }
    }

    private boolean queueExists(BrokerProcess broker, String queue) throws Exception {
        Channel channel = channel(broker);
        try {
            channel.queueDeclarePassive(queue);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else if (!file.getFileName().toString().equals(".lock")) {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteDirectory(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    // ------------------------------------------------------------------ one damaged record

    /**
     * Needs the log's recovery that keeps the batches after a damaged one (branch of the
     * dev.ferry.log work); with a log that cuts its newest segment at the first bad batch, the
     * declarations after the damaged record are lost to the log and their queues set aside.
     */
    @Test
    void shouldBringBackEveryOtherDeclarationAndEveryMessageWhenOneMetadataRecordIsDamaged() throws Exception {
        BrokerProcess broker = start();
        Channel channel = channel(broker);
        for (int e = 0; e < 3; e++) {
            channel.exchangeDeclare("ex-" + e, "direct", true);
        }
        for (int q = 0; q < 8; q++) {
            channel.queueDeclare("q" + q, true, false, false, Map.of("x-max-length", 10_000));
            channel.queueBind("q" + q, "ex-" + (q % 3), "rk-" + q);
            publishConfirmed(channel, "", "q" + q, bodies("q" + q + "-", 100));
        }
        assertThat(broker.terminate()).isZero();
        List<Path> directoriesBefore = queueDirectories();
        byte[] metadata = Files.readAllBytes(segment());
        // The binding of q3: a record in the middle, with the declarations of q4..q7 after it.
        metadata[indexOf(metadata, "rk-3")] ^= 0x01;
        Files.write(segment(), metadata);

        broker = start();

        assertThat(broker.output()).anySatisfy(line -> assertThat(line).contains("ERROR")
                .contains("00000000000000000000.log").contains("skipped"));
        assertThat(broker.output()).anySatisfy(line -> assertThat(line).contains("ERROR").contains("metadata.damaged-1"));
        channel = channel(broker);
        for (int q = 0; q < 8; q++) {
            assertThat(channel.queueDeclarePassive("q" + q).getMessageCount()).as("q%d", q).isEqualTo(100);
        }
        for (int e = 0; e < 3; e++) {
            channel.exchangeDeclarePassive("ex-" + e);
        }
        publishConfirmed(channel, "ex-1", "rk-4", List.of("routed"));
        assertThat(drain(channel, "q4", new ArrayList<>())).containsKey("routed");
        assertThat(queueDirectories()).isEqualTo(directoriesBefore);
        assertThat(dataDir.resolve("orphans")).doesNotExist();
        assertThat(dataDir.resolve("metadata.damaged-1").resolve("00000000000000000000.log")).hasBinaryContent(metadata);
    }

    // ------------------------------------------------------------------ unreadable

    @Test
    void shouldRefuseToStartWithExitCodeThreeWhenTheMetadataLogCannotBeRead() throws Exception {
        BrokerProcess broker = start();
        Channel channel = channel(broker);
        channel.queueDeclare("precious", true, false, false, null);
        publishConfirmed(channel, "", "precious", bodies("p", 50));
        assertThat(broker.terminate()).isZero();
        List<Path> directories = queueDirectories();

        // A directory where the segment file should be: every read of it fails.
        Path moved = dataDir.resolve("segment-aside");
        Files.move(segment(), moved);
        Files.createDirectory(segment());
        BrokerProcess refused = BrokerProcess.launch(List.of("--data-dir", dataDir.toString(), "--amqp-port", "0"));
        brokers.add(refused);

        assertThat(refused.awaitExit(EXIT_TIMEOUT)).isEqualTo(METADATA_UNREADABLE);
        assertThat(String.join("\n", refused.output())).contains("cannot start").contains(segment().toString())
                .contains("cannot be read").doesNotContain("listening");
        assertThat(queueDirectories()).isEqualTo(directories);

        // Bytes of which not one record is intact: refused too, and the file is left as it was.
        Files.delete(segment());
        byte[] garbage = Files.readAllBytes(moved);
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 131 + 17);
        }
        Files.write(segment(), garbage);
        refused = BrokerProcess.launch(List.of("--data-dir", dataDir.toString(), "--amqp-port", "0"));
        brokers.add(refused);

        assertThat(refused.awaitExit(EXIT_TIMEOUT)).isEqualTo(METADATA_UNREADABLE);
        assertThat(String.join("\n", refused.output())).contains(segment().toString()).contains("not one intact record");
        assertThat(segment()).hasBinaryContent(garbage);
        assertThat(queueDirectories()).isEqualTo(directories);

        // The real file back: everything is there.
        Files.move(moved, segment(), StandardCopyOption.REPLACE_EXISTING);
        broker = start();
        assertThat(channel(broker).queueDeclarePassive("precious").getMessageCount()).isEqualTo(50);
    }

    // ------------------------------------------------------------------ orphaned queue data

    @Test
    void shouldSetAsideQueueDataNoDeclarationOwnsAndRestoreItAsTheReadmeSays() throws Exception {
        Map<String, Object> arguments = Map.of("x-max-length", 1000, "x-message-ttl", 3_600_000);
        BrokerProcess broker = start();
        channel(broker).queueDeclare("kept", true, false, false, null);
        publishConfirmed(channel(broker), "", "kept", bodies("k", 10));
        assertThat(broker.terminate()).isZero();
        // An operator's backup of the metadata, taken before the queue 'lost' existed.
        Path backup = dataDir.resolveSibling(dataDir.getFileName() + "-metadata-backup");
        copyDirectory(dataDir.resolve("metadata"), backup);

        broker = start();
        Channel channel = channel(broker);
        channel.queueDeclare("lost", true, false, false, arguments);
        publishConfirmed(channel, "", "lost", bodies("l", 50));
        assertThat(broker.terminate()).isZero();
        // The backup is restored: the data of 'lost' now has no declaration.
        deleteDirectory(dataDir.resolve("metadata"));
        copyDirectory(backup, dataDir.resolve("metadata"));
        deleteDirectory(backup);

        broker = start();

        Path lostDirectory = dataDir.resolve("queues").resolve("%2F").resolve("lost");
        assertThat(lostDirectory).doesNotExist();
        Path setAside;
        try (Stream<Path> runs = Files.list(dataDir.resolve("orphans"))) {
            List<Path> found = runs.map(run -> run.resolve("%2F").resolve("lost")).filter(Files::isDirectory).toList();
            assertThat(found).hasSize(1);
            setAside = found.get(0);
        }
        assertThat(broker.output()).anySatisfy(line -> assertThat(line).contains("WARN")
                .contains(lostDirectory.toString()).contains(setAside.toString()).contains("durable queue 'lost'"));
        assertThat(queueExists(broker, "lost")).isFalse();
        assertThat(channel(broker).queueDeclarePassive("kept").getMessageCount()).isEqualTo(10);

        // The documented way back: declare it again as it was, stop, put the data back, start.
        channel(broker).queueDeclare("lost", true, false, false, arguments);
        assertThat(broker.terminate()).isZero();
        deleteDirectory(lostDirectory);
        Files.move(setAside, lostDirectory);
        broker = start();

        List<String> order = new ArrayList<>();
        assertThat(drain(channel(broker), "lost", order).keySet()).containsExactlyInAnyOrderElementsOf(bodies("l", 50));
        assertThat(order).isEqualTo(bodies("l", 50));
    }

    // ------------------------------------------------------------------ group commit

    @Test
    void shouldKeepFiftyConcurrentDurableDeclaresFromSeveralConnectionsAfterKill9() throws Exception {
        BrokerProcess broker = start();
        int connectionCount = 5;
        int perConnection = 10;
        List<Connection> clients = new ArrayList<>();
        for (int c = 0; c < connectionCount; c++) {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setPort(broker.amqpPort());
            factory.setAutomaticRecoveryEnabled(false);
            clients.add(factory.newConnection());
        }
        ExecutorService threads = Executors.newFixedThreadPool(connectionCount * perConnection);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> declares = new ArrayList<>();
        long started;
        try {
            for (int c = 0; c < connectionCount; c++) {
                for (int i = 0; i < perConnection; i++) {
                    Channel channel = clients.get(c).createChannel();
                    String queue = "concurrent-" + c + "-" + i;
                    declares.add(threads.submit(() -> {
                        go.await();
                        channel.queueDeclare(queue, true, false, false, null);
                        channel.queueBind(queue, "amq.direct", queue);
                        return null;
                    }));
                }
            }
            started = System.nanoTime();
            go.countDown();
            for (Future<?> declare : declares) {
                declare.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        // At once: an answer sent before its change was even written would be lost here.
        broker.kill();
        System.out.printf("50 concurrent durable declares and binds answered in %d ms%n", elapsedMs);
        clients.forEach(connection -> connection.abort(1000));
        broker = start();

        Channel channel = channel(broker);
        for (int c = 0; c < connectionCount; c++) {
            for (int i = 0; i < perConnection; i++) {
                String queue = "concurrent-" + c + "-" + i;
                // A missing queue closes this channel with 404, failing the test here.
                channel.queueDeclarePassive(queue);
                publishConfirmed(channel, "amq.direct", queue, List.of("via-binding"));
                assertThat(drain(channel, queue, new ArrayList<>())).as(queue).containsKey("via-binding");
            }
        }
    }
}
