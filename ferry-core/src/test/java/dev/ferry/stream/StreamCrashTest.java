package dev.ferry.stream;

import static dev.ferry.stream.StreamTestSupport.await;
import static dev.ferry.stream.StreamTestSupport.idempotentBatch;
import static dev.ferry.stream.StreamTestSupport.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FileHandleCache;

/**
 * Kills a real producing process with SIGKILL at random moments, then reopens its topics: the
 * topic is still there with its id, every batch the child saw acknowledged is at the offset it was
 * given, and the producer state rebuilt from the log recognises a retry of the last acknowledged
 * batch and fences the epoch before the child's.
 */
class StreamCrashTest {
    private static final Pattern REPORT = Pattern.compile("A (\\d+) (\\d+) (\\d+) \\.");
    private static final long SEED = 0x5EED_11L;
    private static final int ROUNDS = 3;

    @TempDir
    Path data;

    private List<String> childFailures = List.of();

    @Test
    void shouldKeepEveryAcknowledgedBatchAndItsProducerStateAcrossKills() throws Exception {
        Random random = new Random(SEED);
        Map<Long, String> acknowledged = new ConcurrentHashMap<>();
        java.util.UUID topicId = null;
        for (short epoch = 0; epoch < ROUNDS; epoch++) {
            int reportsBeforeKill = 1 + random.nextInt(1500);
            int lastSequence = runAndKill(epoch, reportsBeforeKill, acknowledged);

            try (TopicRegistry registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2)) {
                Topic topic = registry.topic("crash").orElseThrow();
                if (topicId == null) {
                    topicId = topic.id();
                }
                assertThat(topic.id()).isEqualTo(topicId);
                Partition partition = topic.partition(0);
                List<String> stored = values(partition, 0);
                acknowledged.forEach((offset, value) ->
                        assertThat(stored.get(offset.intValue())).as("offset %d", offset).isEqualTo(value));

                // The producer resends what it had in flight (at most 5 after the last acknowledgement),
                // in order: what was stored answers with its offset, the rest is appended; nothing twice.
                long now = System.currentTimeMillis();
                // The child keeps at most 5 batches unacknowledged, but its last report may die with
                // it: any stored batch more than 5 behind the newest stored one was acknowledged.
                int newestStored = -1;
                for (String value : stored) {
                    if (value.startsWith("e" + epoch + "s")) {
                        newestStored = Math.max(newestStored, Integer.parseInt(value.substring(value.indexOf('s') + 1)));
                    }
                }
                int firstResent = Math.max(lastSequence, newestStored - 5) + 1;
                for (int sequence = firstResent; sequence <= firstResent + 4; sequence++) {
                    String value = "e" + epoch + "s" + sequence;
                    int storedAt = stored.indexOf(value);
                    AppendResult resent;
                    try {
                        resent = await(partition.append(idempotentBatch(7, epoch, sequence, now, value), now));
                    } catch (RuntimeException e) {
                        throw new AssertionError("resending " + value + " after the last acknowledged " + lastSequence
                                + "; stored ends with " + stored.subList(Math.max(0, stored.size() - 12), stored.size())
                                + "; child failures " + childFailures + "; acknowledged " + new java.util.TreeMap<>(acknowledged).tailMap((long) Math.max(0, stored.size() - 12)), e);
                    }
                    if (storedAt >= 0) {
                        assertThat(resent.baseOffset()).as("a retry of stored %s", value).isEqualTo(storedAt);
                    } else {
                        assertThat(resent.baseOffset()).as("a resend of lost %s", value).isGreaterThanOrEqualTo(stored.size());
                    }
                }
                List<String> after = values(partition, 0);
                assertThat(after).as("no record twice").doesNotHaveDuplicates();
                for (int offset = stored.size(); offset < after.size(); offset++) {
                    acknowledged.put((long) offset, after.get(offset));
                }
                if (epoch > 0) {
                    assertThat(StreamTestSupport.failure(partition.append(idempotentBatch(7, (short) (epoch - 1),
                            0, now, "stale"), now))).isEqualTo(dev.ferry.error.ErrorCode.INVALID_PRODUCER_EPOCH);
                }
            }
        }
    }

    /** Runs the child until it reported {@code reportsBeforeKill} acknowledgements, kills it, returns the highest sequence acknowledged. */
    private int runAndKill(short epoch, int reportsBeforeKill, Map<Long, String> acknowledged) throws Exception {
        Path stderr = Files.createTempFile("crashing-producer", ".stderr");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-ea",
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), CrashingProducerMain.class.getName(),
                data.toString(), Short.toString(epoch))
                .redirectError(stderr.toFile())
                .start();
        AtomicInteger reports = new AtomicInteger();
        AtomicInteger highestSequence = new AtomicInteger(-1);
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    Matcher matcher = REPORT.matcher(line);
                    if (matcher.matches()) {
                        int sequence = Integer.parseInt(matcher.group(2));
                        acknowledged.put(Long.parseLong(matcher.group(3)), "e" + matcher.group(1) + "s" + sequence);
                        highestSequence.accumulateAndGet(sequence, Math::max);
                        reports.incrementAndGet();
                    }
                }
            } catch (java.io.IOException ignored) {
                // The pipe closes when the child dies.
            }
        }, "stream-crash-reader");
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> reports.get() >= reportsBeforeKill || !child.isAlive());
            assertThat(child.isAlive()).as("child died by itself: %s", Files.readString(stderr)).isTrue();
        } finally {
            child.destroyForcibly();
            child.waitFor();
            reader.join(10_000);
            childFailures = Files.readString(stderr).lines().filter(l -> l.startsWith("append ")).limit(5).toList();
            Files.deleteIfExists(stderr);
        }
        return highestSequence.get();
    }
}
