package dev.ferry.log;

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
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real appending process with SIGKILL ({@link Process#destroyForcibly()}) at random
 * moments, then reopens its log: every record the child reported as durable is there byte for
 * byte, nothing else read back is garbage, and appends continue at the recovered end.
 *
 * <p>SIGKILL loses no page-cache data, so this proves recovery of torn process-level writes and
 * that futures never complete early relative to the write; a power cut is beyond a unit test.
 */
class LogCrashTest {
    private static final Pattern REPORT = Pattern.compile("R (\\d+) (\\d+) \\.");
    private static final long SEED = 0xF0E1_D2C3L;
    private static final int ROUNDS = 5;

    @TempDir
    Path directory;

    static LogConfig config() {
        // Small segments so the kills also land around rolls and index writes.
        return new LogConfig().segmentBytesMax(64 * 1024).batchBytesMax(16 * 1024).indexIntervalBytes(1024)
                .fsyncPolicy(FsyncPolicy.ALWAYS);
    }

    @Test
    void shouldKeepEveryReportedRecordAcrossKills() throws Exception {
        Path logDirectory = directory.resolve("crashing");
        Random random = new Random(SEED);
        Map<Long, Integer> reportedValueBytes = new ConcurrentHashMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            int reportsBeforeKill = 1 + random.nextInt(4000);
            runAndKill(logDirectory, random.nextLong(), reportsBeforeKill, reportedValueBytes);
            verifyAndContinue(logDirectory, reportedValueBytes);
        }
        assertThat(reportedValueBytes).hasSizeGreaterThan(ROUNDS);
    }

    private static void runAndKill(Path logDirectory, long childSeed, int reportsBeforeKill,
            Map<Long, Integer> reportedValueBytes) throws Exception {
        Path stderr = Files.createTempFile("crashing-appender", ".stderr");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-ea",
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), CrashingAppenderMain.class.getName(),
                logDirectory.toString(), Long.toString(childSeed))
                .redirectError(stderr.toFile())
                .start();
        AtomicInteger reportsThisRound = new AtomicInteger();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    Matcher matcher = REPORT.matcher(line);
                    // A line cut by the kill, or a log line, does not match and is ignored.
                    if (matcher.matches()) {
                        reportedValueBytes.put(Long.parseLong(matcher.group(1)), Integer.parseInt(matcher.group(2)));
                        reportsThisRound.incrementAndGet();
                    }
                }
            } catch (java.io.IOException ignored) {
                // The pipe closes when the child dies.
            }
        }, "crash-test-reader");
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> reportsThisRound.get() >= reportsBeforeKill || !child.isAlive());
            assertThat(child.isAlive()).as("child died by itself: %s", Files.readString(stderr)).isTrue();
        } finally {
            child.destroyForcibly();
            child.waitFor();
            reader.join(10_000);
            Files.deleteIfExists(stderr);
        }
    }

    private static void verifyAndContinue(Path logDirectory, Map<Long, Integer> reportedValueBytes) {
        try (Log log = Log.open(logDirectory, config())) {
            long maxReported = reportedValueBytes.keySet().stream().mapToLong(Long::longValue).max().orElse(-1);
            assertThat(log.logEndOffset()).as("every reported record survived").isGreaterThan(maxReported);

            List<Record> records = LogTestSupport.readAll(log, 64 * 1024);
            assertThat(records).hasSize((int) log.logEndOffset());
            for (int offset = 0; offset < records.size(); offset++) {
                Record record = records.get(offset);
                assertThat(record.offset()).isEqualTo(offset);
                Integer reported = reportedValueBytes.get((long) offset);
                if (reported != null) {
                    assertThat(record.valueSize()).as("value size at %d", offset).isEqualTo(reported);
                }
                assertThat(LogTestSupport.matches(record, record.valueSize())).as("content at %d", offset).isTrue();
            }

            long end = log.logEndOffset();
            AppendResult next = LogTestSupport.appendRecords(log, 2, 10);
            assertThat(next).isEqualTo(new AppendResult(end, end + 1));
            reportedValueBytes.put(end, 10);
            reportedValueBytes.put(end + 1, 10);
        }
    }
}
