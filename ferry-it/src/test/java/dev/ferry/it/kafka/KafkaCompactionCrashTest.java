package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker killed with SIGKILL in the middle of a compaction, at the worst moment: a cleaned
 * segment's swap committed on disk but not yet installed (a test hook holds the cleaner there).
 * After a restart every key's latest value is there, at its offset, and compaction completes.
 */
class KafkaCompactionCrashTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldKeepEveryKeysLatestValueWhenKilledMidSwap() throws Exception {
        String topic = "compacted-crash";
        Map<String, KafkaCompactionTest.Sent> latest;
        try (BrokerProcess broker = BrokerProcess.startWithJvmOptions(dataDir,
                List.of("-Dferry.log.cleaner.test.pause-before-install-ms=120000"), "--log-cleaner-backoff-ms", "100")) {
            String bootstrap = "127.0.0.1:" + broker.kafkaPort();
            try (Admin admin = Admin.create(KafkaTestBase.clientProperties(bootstrap, Map.of()))) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                        "segment.bytes", "8192", "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "0"))))
                        .all().get(30, TimeUnit.SECONDS);
            }
            latest = KafkaCompactionTest.produceUpdates(bootstrap, topic, 10, 100, "gone");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !swapFiles().isEmpty());
            broker.kill();
        }
        assertThat(swapFiles()).as("the kill left a committed swap behind").isNotEmpty();

        try (BrokerProcess restarted = BrokerProcess.start(dataDir, "--log-cleaner-backoff-ms", "100")) {
            String bootstrap = "127.0.0.1:" + restarted.kafkaPort();
            assertThat(swapFiles()).as("recovery finished the swap").isEmpty();
            List<ConsumerRecord<String, String>> afterRestart = KafkaCompactionTest.readFromBeginning(bootstrap, topic);
            Map<String, String> lastSeen = new java.util.HashMap<>();
            afterRestart.forEach(record -> lastSeen.put(record.key(), record.value()));
            latest.forEach((key, sent) -> assertThat(lastSeen.get(key)).as("latest value of %s", key)
                    .isEqualTo(sent.value()));

            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                    .until(() -> KafkaCompactionTest.readFromBeginning(bootstrap, topic).size() == latest.size());
            KafkaCompactionTest.assertOneRecordPerKeyTheLatest(KafkaCompactionTest.readFromBeginning(bootstrap, topic),
                    latest);
        }
    }

    private List<Path> swapFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dataDir.resolve("topics"))) {
            return files.filter(file -> file.getFileName().toString().endsWith(".log.swap")).toList();
        }
    }
}
