package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A seeded simulation of one log on a {@link SimulatedFileSystem} that tears unsynced writes at
 * crashes, flips bits on the medium, fails fsyncs and directory fsyncs, and runs out of space,
 * under a workload of appends (their futures are the confirmations), group-commit syncs, segment
 * rolls, deletions (including the drained active segment), clean closes, crashes and reopens.
 *
 * <p>Invariants, checked after every reopen and now and then in between:
 * <ul>
 *   <li>no intact confirmed record is lost: every confirmed offset at or above the log start is
 *       returned with the content it was confirmed with, or reported lost in {@link Log#damage()};</li>
 *   <li>every loss is explained: each damaged region reported holds a bit the simulation flipped;</li>
 *   <li>no corrupt record is ever returned: every record read is one that was appended at that offset;</li>
 *   <li>offsets never go backwards for confirmed records: the log end stays above every confirmed offset.</li>
 * </ul>
 *
 * <p>Fault model: bits flip only while the log is closed or crashed (as damage found at the next
 * open), at most one bit per file per reopen; a record's loss is allowed only where a bit flipped.
 * Everything else a crash does is a prefix of the unsynced operations of each file and directory.
 *
 * <p>Runs seeds from a random base until {@value #SEEDS_DEFAULT} seeds or
 * {@value #BUDGET_SECONDS_DEFAULT} s have passed (a bound on the work, not an assertion on speed).
 * A failure names its seed; replay it alone with
 * {@code mvn -o -q -B -pl ferry-core test -Dtest=LogFaultSimulationTest -Dferry.log.simulation.seed=SEED}.
 * {@code -Dferry.log.simulation.seeds=N} and {@code -Dferry.log.simulation.seconds=S} change the bounds,
 * {@code -Dferry.log.simulation.baseSeed=B} the first seed.
 */
class LogFaultSimulationTest {
    private static final int SEEDS_DEFAULT = 3000;
    private static final int BUDGET_SECONDS_DEFAULT = 20;

    @Test
    void shouldLoseNoIntactConfirmedRecordAndReportEveryLoss() {
        Logger logLogger = (Logger) LoggerFactory.getLogger("dev.ferry.log");
        Level levelBefore = logLogger.getLevel();
        // Thousands of opens, repairs and deliberate failures; -Dferry.log.simulation.verbose=true to see them.
        logLogger.setLevel(Boolean.getBoolean("ferry.log.simulation.verbose") ? Level.DEBUG : Level.OFF);
        try {
            String single = System.getProperty("ferry.log.simulation.seed");
            if (single != null) {
                runSeed(Long.parseLong(single));
                return;
            }
            long baseSeed = Long.getLong("ferry.log.simulation.baseSeed", new SplittableRandom().nextLong());
            int seeds = Integer.getInteger("ferry.log.simulation.seeds", SEEDS_DEFAULT);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(
                    Integer.getInteger("ferry.log.simulation.seconds", BUDGET_SECONDS_DEFAULT));
            int run = 0;
            Simulation.Totals totals = new Simulation.Totals();
            for (; run < seeds && System.nanoTime() < deadline; run++) {
                totals.add(runSeed(baseSeed + run));
            }
            System.out.printf("LogFaultSimulationTest: %d seeds from base seed %d: %s%n", run, baseSeed, totals);
            assertThat(run).isPositive();
        } finally {
            logLogger.setLevel(levelBefore);
        }
    }

    private static Simulation.Totals runSeed(long seed) {
        try {
            return new Simulation(seed).run();
        } catch (Throwable failure) {
            throw new AssertionError("simulation seed " + seed + " failed; replay it with "
                    + "-Dtest=LogFaultSimulationTest -Dferry.log.simulation.seed=" + seed + ": " + failure, failure);
        }
    }

    /** One seeded run: the workload, the faults, the model of what must be there, and the checks. */
    static final class Simulation {
        private static final Path DIRECTORY = Path.of("/simulated/queue");

        private final long seed;
        private final SplittableRandom random;
        private final LogConfig config;
        private final int cacheCapacity;
        private SimulatedFileSystem fileSystem = new SimulatedFileSystem();
        private LogFlusher flusher;
        private Log log;
        private int appendCount;

        // The model.
        /** Every key ever written at an offset (by appends that succeeded or failed part way). */
        private final Map<Long, Set<String>> attempts = new HashMap<>();
        /** The key each confirmed offset holds. */
        private final Map<Long, String> confirmed = new HashMap<>();
        /** Ranges reported lost (they may be large: a damaged empty batch claims up to 2^31 offsets). */
        private final List<LogDamage> reportedLost = new ArrayList<>();
        private final List<Pending> pending = new ArrayList<>();
        /** Bits flipped since the last open: file name and position. */
        private final List<Flip> flips = new ArrayList<>();
        private final Totals totals = new Totals();

        record Pending(CompletableFuture<AppendResult> future, List<String> keys, long firstOffset) {
        }

        record Flip(String fileName, long position) {
        }

        /** What the seeds did, summed, for the run's one line of output. */
        static final class Totals {
            long appends;
            long confirmedRecords;
            long crashes;
            long flips;
            long damagedRegions;
            long failedWrites;
            long failedSyncs;

            void add(Totals other) {
                appends += other.appends;
                confirmedRecords += other.confirmedRecords;
                crashes += other.crashes;
                flips += other.flips;
                damagedRegions += other.damagedRegions;
                failedWrites += other.failedWrites;
                failedSyncs += other.failedSyncs;
            }

            @Override
            public String toString() {
                return appends + " appends, " + confirmedRecords + " records confirmed, " + crashes + " crashes, "
                        + flips + " bits flipped, " + damagedRegions + " damaged regions reported, " + failedWrites
                        + " failed writes, " + failedSyncs + " failed fsyncs";
            }
        }

        Simulation(long seed) {
            this.seed = seed;
            this.random = new SplittableRandom(seed);
            int segmentBytes = 1024 + random.nextInt(4096);
            this.config = new LogConfig().segmentBytesMax(segmentBytes).batchBytesMax(Math.min(segmentBytes, 2048))
                    .indexIntervalBytes(random.nextInt(600)).fsyncPolicy(FsyncPolicy.ALWAYS).segmentDeleteDelayMs(0);
            this.cacheCapacity = FileHandleCache.CAPACITY_MIN + random.nextInt(4);
        }

        Totals run() {
            open(false);
            int steps = 20 + random.nextInt(100);
            for (int step = 0; step < steps; step++) {
                if (log.hasFailed()) {
                    // The contract after a failed fsync: close and reopen (or the process dies).
                    if (random.nextBoolean()) {
                        cleanReopen();
                    } else {
                        crashAndReopen();
                    }
                    continue;
                }
                int dice = random.nextInt(100);
                if (dice < 50) {
                    append();
                } else if (dice < 65) {
                    sync();
                } else if (dice < 70) {
                    fileSystem.limitSpace(fileSystem.usedBytes() + random.nextInt(800));
                } else if (dice < 75) {
                    fileSystem.unlimitSpace();
                } else if (dice < 78) {
                    fileSystem.failForces(1);
                } else if (dice < 80) {
                    fileSystem.failDirectorySyncs(1);
                } else if (dice < 85) {
                    delete();
                } else if (dice < 88) {
                    checkReads();
                } else if (dice < 93) {
                    cleanReopen();
                } else {
                    crashAndReopen();
                }
            }
            crashAndReopen();
            log.close();
            return totals;
        }

        private void open(boolean keepFaults) {
            flusher = LogFlusher.manual();
            for (int attempt = 0; ; attempt++) {
                try {
                    log = Log.open(DIRECTORY, config, flusher, new FileHandleCache(cacheCapacity, fileSystem));
                    break;
                } catch (LogStorageException e) {
                    // A fault hit the open (a repair that ran out of space, a failed fsync): the
                    // operator frees space, or the machine crashes part way; either way, again.
                    assertThat(attempt).as("open failed without a fault: %s", e).isLessThan(3);
                    trace("open failed: " + e.getMessage());
                    if (random.nextBoolean()) {
                        trace("crash");
                        fileSystem = fileSystem.crash(random);
                        totals.crashes++;
                    }
                    clearFaults();
                }
            }
            for (LogDamage region : log.damage()) {
                reportedLost.add(region);
                if (!region.newlyFound()) {
                    continue;
                }
                totals.damagedRegions++;
                boolean explained = flips.stream().anyMatch(flip -> flip.fileName().equals(region.segmentFile())
                        && flip.position() >= region.position() && flip.position() < region.position() + Math.max(1, region.bytes()));
                assertThat(explained).as("damage %s explained by a flipped bit in %s", region, flips).isTrue();
            }
            flips.clear();
            List<Record> records = checkReads();
            // Whatever an open finds is on disk now, confirmed or not.
            for (Record record : records) {
                confirmed.put(record.offset(), keyOf(record));
            }
            if (!keepFaults) {
                clearFaults();
            }
        }

        private void clearFaults() {
            fileSystem.unlimitSpace();
            fileSystem.failForces(0);
            fileSystem.failDirectorySyncs(0);
        }

        private void append() {
            long firstOffset = log.logEndOffset();
            int batches = random.nextInt(10) == 0 ? 2 : 1;
            List<String> keys = new ArrayList<>();
            ByteBuffer encoded = null;
            List<SimpleRecord> records = new ArrayList<>();
            appendCount++;
            for (int batch = 0; batch < batches; batch++) {
                int count = 1 + random.nextInt(6);
                List<SimpleRecord> batchRecords = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    String key = "a" + appendCount + "-" + batch + "-" + i + "-" + random.nextInt(300);
                    keys.add(key);
                    batchRecords.add(new SimpleRecord(1_700_000_000_000L + appendCount, key.getBytes(StandardCharsets.UTF_8),
                            valueFor(key)));
                }
                records.addAll(batchRecords);
                if (batches > 1) {
                    ByteBuffer one = encode(batchRecords);
                    encoded = encoded == null ? one : ByteBuffer.allocate(encoded.remaining() + one.remaining())
                            .put(encoded).put(one).flip();
                }
            }
            for (int i = 0; i < keys.size(); i++) {
                attempts.computeIfAbsent(firstOffset + i, offset -> new HashSet<>()).add(keys.get(i));
            }
            totals.appends++;
            try {
                CompletableFuture<AppendResult> future = encoded != null ? log.appendBatch(encoded) : log.append(records);
                pending.add(new Pending(future, keys, firstOffset));
                assertThat(log.logEndOffset()).isEqualTo(firstOffset + keys.size());
            } catch (BatchTooLargeException e) {
                assertThat(log.logEndOffset()).isEqualTo(firstOffset);
            } catch (LogStorageException e) {
                totals.failedWrites++;
                assertThat(log.logEndOffset()).as("a failed append takes no offset").isEqualTo(firstOffset);
            }
        }

        private static ByteBuffer encode(List<SimpleRecord> records) {
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                    TimestampType.CREATE_TIME, 0L);
            records.forEach(builder::append);
            return builder.build().buffer();
        }

        private void sync() {
            flusher.doWork(0);
            settleFutures();
        }

        /** Moves completed futures into the model: confirmed, or failed (their records may or may not exist). */
        private void settleFutures() {
            pending.removeIf(append -> {
                if (!append.future().isDone()) {
                    return false;
                }
                if (append.future().isCompletedExceptionally()) {
                    totals.failedSyncs++;
                    return true;
                }
                AppendResult result = append.future().join();
                assertThat(result.firstOffset()).isEqualTo(append.firstOffset());
                for (int i = 0; i < append.keys().size(); i++) {
                    confirmed.put(append.firstOffset() + i, append.keys().get(i));
                    totals.confirmedRecords++;
                }
                return true;
            });
        }

        private void delete() {
            long from = log.logStartOffset();
            long offset = from + (long) (random.nextDouble() * (log.logEndOffset() - from + 1));
            if (random.nextInt(3) == 0) {
                offset = log.logEndOffset(); // a drained queue
            }
            log.deleteSegmentsBelow(offset);
            long start = log.logStartOffset();
            assertThat(start).isLessThanOrEqualTo(offset);
            confirmed.keySet().removeIf(confirmedOffset -> confirmedOffset < start);
        }

        private void cleanReopen() {
            try {
                log.close();
            } catch (LogStorageException e) {
                // The final fsync failed: the pending appends failed with it.
            }
            settleFutures();
            assertThat(pending).as("close completes every pending append").isEmpty();
            flipBits();
            open(random.nextInt(4) == 0);
        }

        private void crashAndReopen() {
            trace("crash at log end " + log.logEndOffset());
            log.abandonAfterSimulatedCrash();
            pending.clear(); // never confirmed
            fileSystem = fileSystem.crash(random);
            totals.crashes++;
            flipBits();
            open(false);
        }

        /** At most one bit in each of a few files, anywhere in them. */
        private void flipBits() {
            if (random.nextInt(10) >= 3) {
                return;
            }
            List<String> files = new ArrayList<>(fileSystem.fileNames(DIRECTORY));
            int count = 1 + random.nextInt(2);
            for (int i = 0; i < count && !files.isEmpty(); i++) {
                String name = files.remove(random.nextInt(files.size()));
                Path file = DIRECTORY.resolve(name);
                try {
                    long size = fileSystem.size(file);
                    if (size == 0) {
                        continue;
                    }
                    long position = (long) (random.nextDouble() * size);
                    fileSystem.flipBit(file, position, random.nextInt(8));
                    trace("flipped a bit at byte " + position + " of " + name);
                    flips.add(new Flip(name, position));
                    totals.flips++;
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            }
        }

        /** Reads the whole log and checks it against the model; returns what it read. */
        private List<Record> checkReads() {
            long start = log.logStartOffset();
            long end = log.logEndOffset();
            List<Record> records = new ArrayList<>();
            Set<Long> returned = new HashSet<>();
            for (long next = start; next < end; ) {
                LogSlice slice = log.read(next, 1 + random.nextInt(3000));
                for (Record record : slice.readRecords()) {
                    String key = keyOf(record);
                    long offset = record.offset();
                    assertThat(offset).isBetween(start, end - 1);
                    assertThat(attempts.getOrDefault(offset, Set.of())).as("record at %d was appended there", offset)
                            .contains(key);
                    assertThat(record.value()).as("value at %d", offset).isEqualTo(ByteBuffer.wrap(valueFor(key)));
                    String confirmedKey = confirmed.get(offset);
                    if (confirmedKey != null) {
                        assertThat(key).as("confirmed content at %d", offset).isEqualTo(confirmedKey);
                    }
                    records.add(record);
                    returned.add(offset);
                }
                long after = slice.nextOffset();
                assertThat(after).as("reads make progress at %d", next).isGreaterThan(next);
                next = after;
            }
            for (Map.Entry<Long, String> entry : confirmed.entrySet()) {
                long offset = entry.getKey();
                if (offset < start) {
                    continue;
                }
                assertThat(offset).as("confirmed offset below the log end %d", end).isLessThan(end);
                assertThat(returned.contains(offset) || reportedLost.stream().anyMatch(region -> region.covers(offset)))
                        .as("confirmed offset %d returned or reported lost", offset).isTrue();
            }
            return records;
        }

        /** With -Dferry.log.simulation.verbose=true, what the simulation does between the log's own lines. */
        private static void trace(String event) {
            if (Boolean.getBoolean("ferry.log.simulation.verbose")) {
                System.out.println("SIMULATION: " + event);
            }
        }

        private static String keyOf(Record record) {
            byte[] key = new byte[record.keySize()];
            record.key().duplicate().get(key);
            return new String(key, StandardCharsets.UTF_8);
        }

        /** The value a key carries: its size is the key's last field, its bytes a function of the key. */
        private static byte[] valueFor(String key) {
            int size = Integer.parseInt(key.substring(key.lastIndexOf('-') + 1));
            byte[] value = new byte[size];
            SplittableRandom bytes = new SplittableRandom(key.hashCode());
            for (int i = 0; i < size; i++) {
                value[i] = (byte) bytes.nextInt(256);
            }
            return value;
        }

        @Override
        public String toString() {
            return "Simulation{seed=" + seed + '}';
        }
    }
}
