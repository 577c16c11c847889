package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.ferry.store.LogCapture;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cleaner's rounds: which log a round picks (the dirtiest of those due), which it passes over
 * (closed, not dirty enough, failed recently), what it counts, and its thread woken and stopped.
 */
class LogCleanerRoundsTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final CompactionSettings EAGER = new CompactionSettings(3_600_000L, 0.0, 0);

    @TempDir
    Path directory;

    private Log open(String name) {
        return Log.open(directory.resolve(name), new LogConfig().fsyncPolicy(FsyncPolicy.NEVER).segmentDeleteDelayMs(0));
    }

    /** {@code updates} records over {@code keys} keys in one sealed segment; a new active segment after it. */
    private static void sealedUpdates(Log log, int updates, int keys) {
        for (int i = 0; i < updates; i++) {
            log.append(List.of(new SimpleRecord(NOW, ("key-" + i % keys).getBytes(StandardCharsets.UTF_8),
                    ("value-" + i).getBytes(StandardCharsets.UTF_8)))).join();
        }
        log.rollActiveSegment();
    }

    private static int recordCount(Log log) {
        return LogTestSupport.readAll(log, 1 << 20).size();
    }

    @Test
    void shouldRefuseABackoffOrKeyMapThatIsNotPositive() {
        assertThatThrownBy(() -> new LogCleaner(List::of, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backoffMs=0");
        assertThatThrownBy(() -> new LogCleaner(List::of, 1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keyMapBytesMax=0");
        assertThat(new LogCleaner(List::of, 1, 1).doWork(NOW)).as("nothing to clean").isFalse();
    }

    @Test
    void shouldCleanTheDirtiestDueLogFirstAndCountWhatItRemoved() throws Exception {
        try (Log halfDirty = open("half"); Log allDirty = open("all"); Log allDirtyToo = open("all-too");
             Log notDue = open("not-due"); Log closedDirty = open("closed")) {
            sealedUpdates(halfDirty, 10, 10);
            LogCleaner.clean(halfDirty, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });
            sealedUpdates(halfDirty, 10, 5); // dirty share one half; keys 0-4 twice there and once before: 10 to remove
            sealedUpdates(allDirty, 10, 2); // never cleaned: all dirty, exactly its ratio setting; 8 to remove
            sealedUpdates(allDirtyToo, 10, 2); // as dirty, listed after it: waits its turn
            sealedUpdates(notDue, 10, 1); // all dirty, but its ratio setting is above 1
            sealedUpdates(closedDirty, 10, 1); // all dirty, listed first, but closed
            closedDirty.close();
            long allDirtyBytes = allDirty.sealedSegments().get(0).sizeInBytes();
            CompactionSettings exactlyAllDirty = new CompactionSettings(3_600_000L, 1.0, 0);
            CompactionSettings never = new CompactionSettings(3_600_000L, 1.5, 0);
            LogCleaner cleaner = new LogCleaner(() -> List.of(new LogCleaner.Target(closedDirty, EAGER),
                    new LogCleaner.Target(halfDirty, EAGER), new LogCleaner.Target(allDirty, exactlyAllDirty),
                    new LogCleaner.Target(allDirtyToo, EAGER), new LogCleaner.Target(notDue, never)), 1_000, 1 << 20);

            assertThat(cleaner.doWork(NOW)).isTrue();
            assertThat(recordCount(allDirty)).isEqualTo(2);
            assertThat(recordCount(allDirtyToo)).as("not yet").isEqualTo(10);
            assertThat(recordCount(halfDirty)).as("not yet").isEqualTo(20);
            assertThat(cleaner.cleanings()).isEqualTo(1);
            assertThat(cleaner.recordsRemoved()).isEqualTo(8);
            assertThat(cleaner.bytesCleaned()).as("the one segment read and rewritten").isEqualTo(allDirtyBytes);

            assertThat(cleaner.doWork(NOW)).isTrue();
            assertThat(recordCount(allDirtyToo)).isEqualTo(2);
            assertThat(cleaner.doWork(NOW)).isTrue();
            assertThat(recordCount(halfDirty)).isEqualTo(10);
            assertThat(cleaner.cleanings()).isEqualTo(3);
            assertThat(cleaner.recordsRemoved()).isEqualTo(8 + 8 + 10);
            assertThat(cleaner.bytesCleaned()).isGreaterThan(2 * allDirtyBytes);

            assertThat(cleaner.doWork(NOW)).as("nothing dirty is due").isFalse();
            assertThat(recordCount(notDue)).isEqualTo(10);
            assertThat(cleaner.cleanings()).isEqualTo(3);
        }
    }

    /** Without the crash tests' property the round does not pause and does not say it would. */
    @Test
    void shouldNotPauseOrWarnBeforeInstallingASwapWithoutTheTestHook() {
        try (Log log = open("unpaused"); LogCapture warnings = new LogCapture(LogCleaner.class)) {
            sealedUpdates(log, 10, 1);
            LogCleaner cleaner = new LogCleaner(() -> List.of(new LogCleaner.Target(log, EAGER)), 1_000, 1 << 20);

            assertThat(cleaner.doWork(NOW)).isTrue();

            assertThat(recordCount(log)).isEqualTo(1);
            assertThat(warnings.lines(Level.WARN)).isEmpty();
        }
    }

    /** The crash tests' hook: the cleaner's round waits between committing a swap and installing it. */
    @Test
    void shouldPauseBetweenCommittingAndInstallingASwapWhenTheTestHookAsks() throws Exception {
        try (Log log = open("paused")) {
            sealedUpdates(log, 10, 1);
            Path swap = SegmentSwap.swapFile(log.directory(), 0);
            LogCleaner cleaner = new LogCleaner(() -> List.of(new LogCleaner.Target(log, EAGER)), 1_000, 1 << 20);
            System.setProperty(LogCleaner.PAUSE_BEFORE_INSTALL_PROPERTY, "1000");
            try {
                java.util.concurrent.CompletableFuture<Boolean> round =
                        java.util.concurrent.CompletableFuture.supplyAsync(() -> cleaner.doWork(NOW));
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> java.nio.file.Files.exists(swap));
                assertThat(round).as("held with the swap committed").isNotDone();
                assertThat(round.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            } finally {
                System.clearProperty(LogCleaner.PAUSE_BEFORE_INSTALL_PROPERTY);
            }
            assertThat(swap).doesNotExist();
            assertThat(recordCount(log)).isEqualTo(1);
        }
    }

    @Test
    void shouldKeepTheInterruptOfARoundsThreadInterruptedWhileTheTestHookPauses() throws Exception {
        try (Log log = open("paused-interrupted")) {
            sealedUpdates(log, 10, 1);
            Path swap = SegmentSwap.swapFile(log.directory(), 0);
            LogCleaner cleaner = new LogCleaner(() -> List.of(new LogCleaner.Target(log, EAGER)), 1_000, 1 << 20);
            boolean[] interruptedAfterRound = {false};
            Thread round = new Thread(() -> {
                cleaner.doWork(NOW);
                interruptedAfterRound[0] = Thread.currentThread().isInterrupted();
            });
            System.setProperty(LogCleaner.PAUSE_BEFORE_INSTALL_PROPERTY, "600000");
            try {
                round.start();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> java.nio.file.Files.exists(swap));
                round.interrupt();
                round.join(10_000);
            } finally {
                System.clearProperty(LogCleaner.PAUSE_BEFORE_INSTALL_PROPERTY);
            }
            assertThat(round.isAlive()).as("the pause ended by the interrupt").isFalse();
            assertThat(interruptedAfterRound[0]).as("so that the cleaner's thread still sees it and stops").isTrue();
        }
    }

    @Test
    void shouldPassOverAClosedLog() {
        Log closed = open("closed");
        sealedUpdates(closed, 10, 1);
        closed.close();
        LogCleaner cleaner = new LogCleaner(() -> List.of(new LogCleaner.Target(closed, EAGER)), 1_000, 1 << 20);

        assertThat(cleaner.doWork(NOW)).isFalse();
        assertThat(cleaner.cleanings()).isZero();
    }

    /**
     * A log closed after the round chose it and before its cleaning (a topic deleted meanwhile):
     * staged on one thread by a target list whose iterator closes the log once the round has weighed
     * every target. The round answers that it cleaned nothing, without an ERROR and without setting
     * the log aside as failed.
     */
    @Test
    void shouldGiveUpQuietlyOnALogDeletedWhileItsCleaningWritesTheCheckpoint() throws Exception {
        Path logDirectory = directory.resolve("deleted");
        Log[] opened = new Log[1];
        LogFileSystem real = LogFileSystem.real();
        // The topic is deleted as the cleaning, which found nothing to remove, drops its unused
        // cleaned copy: the log closes and its directory goes, so the checkpoint cannot be written.
        LogFileSystem deletedMeanwhile = new LogFileSystem() {
            @Override
            public java.nio.channels.FileChannel open(Path file, java.nio.file.OpenOption... options)
                    throws java.io.IOException {
                return real.open(file, options);
            }

            @Override
            public void createDirectories(Path directory) throws java.io.IOException {
                real.createDirectories(directory);
            }

            @Override
            public boolean exists(Path path) {
                return real.exists(path);
            }

            @Override
            public long size(Path file) throws java.io.IOException {
                return real.size(file);
            }

            @Override
            public List<Path> list(Path directory) throws java.io.IOException {
                return real.list(directory);
            }

            @Override
            public boolean deleteIfExists(Path file) throws java.io.IOException {
                boolean deleted = real.deleteIfExists(file);
                if (file.getFileName().toString().endsWith(SegmentSwap.CLEANED_SUFFIX) && opened[0] != null
                        && !opened[0].isClosed()) {
                    opened[0].close();
                    for (Path left : real.list(logDirectory)) {
                        real.deleteIfExists(left);
                    }
                    real.deleteIfExists(logDirectory);
                }
                return deleted;
            }

            @Override
            public void moveAtomically(Path source, Path target) throws java.io.IOException {
                real.moveAtomically(source, target);
            }

            @Override
            public void fsyncDirectory(Path directory) throws java.io.IOException {
                real.fsyncDirectory(directory);
            }
        };
        opened[0] = Log.open(logDirectory, new LogConfig().fsyncPolicy(FsyncPolicy.NEVER).segmentDeleteDelayMs(0), null,
                new FileHandleCache(8, deletedMeanwhile));
        sealedUpdates(opened[0], 10, 10); // ten keys once each: dirty, but nothing to remove
        try (LogCapture errors = new LogCapture(LogCleaner.class)) {
            LogCleaner cleaner = new LogCleaner(() -> List.of(new LogCleaner.Target(opened[0], EAGER)), 1_000, 1 << 20);

            assertThat(cleaner.doWork(NOW)).as("deleted meanwhile: nothing cleaned").isFalse();

            assertThat(opened[0].isClosed()).isTrue();
            assertThat(logDirectory).doesNotExist();
            assertThat(cleaner.cleanings()).isZero();
            assertThat(errors.lines(Level.ERROR)).isEmpty();
        }
    }

    @Test
    void shouldGiveUpQuietlyOnALogClosedBetweenTheRoundsChoiceAndItsCleaning() {
        Log log = open("closing");
        sealedUpdates(log, 10, 1);
        Collection<LogCleaner.Target> closingOnceWeighed = new AbstractCollection<>() {
            @Override
            public Iterator<LogCleaner.Target> iterator() {
                Iterator<LogCleaner.Target> targets = List.of(new LogCleaner.Target(log, EAGER)).iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        boolean more = targets.hasNext();
                        if (!more) {
                            log.close();
                        }
                        return more;
                    }

                    @Override
                    public LogCleaner.Target next() {
                        return targets.next();
                    }
                };
            }

            @Override
            public int size() {
                return 1;
            }
        };
        try (LogCapture errors = new LogCapture(LogCleaner.class)) {
            LogCleaner cleaner = new LogCleaner(() -> closingOnceWeighed, 1_000, 1 << 20);

            assertThat(cleaner.doWork(NOW)).as("chosen, then closed: nothing cleaned").isFalse();

            assertThat(log.isClosed()).isTrue();
            assertThat(cleaner.cleanings()).isZero();
            assertThat(errors.lines(Level.ERROR)).isEmpty();
        }
    }

    @Test
    void shouldLeaveALogWhoseCleaningFailedAloneForAWhile() throws Exception {
        try (Log damaged = open("damaged"); LogCapture errors = new LogCapture(LogCleaner.class)) {
            sealedUpdates(damaged, 10, 1);
            try (RandomAccessFile file = new RandomAccessFile(damaged.directory().resolve(LogSegment.fileStem(0) + ".log")
                    .toFile(), "rw")) {
                file.seek(file.length() - 1);
                int last = file.read();
                file.seek(file.length() - 1);
                file.write(last ^ 0x40); // the sealed segment's last batch now fails its CRC
            }
            LogCleaner cleaner = new LogCleaner(() -> List.of(new LogCleaner.Target(damaged, EAGER)), 1_000, 1 << 20);

            assertThat(cleaner.doWork(NOW)).isFalse();
            assertThat(cleaner.doWork(NOW)).isFalse();

            assertThat(errors.lines(Level.ERROR)).as("tried once, not again at once").singleElement()
                    .satisfies(line -> assertThat(line).contains("cleaning log 'damaged' failed").contains("10 minutes"));
            assertThat(cleaner.cleanings()).isZero();
            assertThat(damaged.isClosed()).isFalse();
        }
    }

    @Test
    void shouldCleanOnItsOwnThreadWhenWokenAndStopWhenClosed() {
        List<Thread> askedOn = new CopyOnWriteArrayList<>();
        try (Log log = open("woken")) {
            List<LogCleaner.Target> targets = new ArrayList<>();
            LogCleaner cleaner = new LogCleaner(() -> {
                askedOn.add(Thread.currentThread());
                return List.copyOf(targets);
            }, 60_000, 1 << 20).start();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> !askedOn.isEmpty());
                sealedUpdates(log, 10, 1);
                synchronized (targets) {
                    targets.add(new LogCleaner.Target(log, EAGER));
                }
                cleaner.wakeUp();
                await().atMost(Duration.ofSeconds(10)).until(() -> cleaner.cleanings() == 1);
                assertThat(recordCount(log)).isEqualTo(1);
                assertThat(askedOn.get(0).getName()).isEqualTo("ferry-log-cleaner");
                assertThat(askedOn.get(0).isDaemon()).isTrue();
            } finally {
                cleaner.close();
            }
            assertThat(askedOn.get(0).isAlive()).as("stopped by close").isFalse();
        }
    }

    @Test
    void shouldKeepTheInterruptOfAThreadThatClosesItWhileARoundRuns() throws Exception {
        java.util.concurrent.CountDownLatch roundStarted = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch roundMayEnd = new java.util.concurrent.CountDownLatch(1);
        List<Thread> askedOn = new CopyOnWriteArrayList<>();
        LogCleaner cleaner = new LogCleaner(() -> {
            askedOn.add(Thread.currentThread());
            roundStarted.countDown();
            try {
                roundMayEnd.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of();
        }, 60_000, 1 << 20).start();
        try {
            assertThat(roundStarted.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            Thread.currentThread().interrupt();
            cleaner.close(); // its thread is held in a round: the wait for it ends at once

            assertThat(Thread.interrupted()).as("the closing thread's interrupt kept").isTrue();
        } finally {
            Thread.interrupted();
            roundMayEnd.countDown();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !askedOn.get(0).isAlive());
    }
}
