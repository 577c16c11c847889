package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;

/**
 * Where set-aside queue data goes: a directory of its own for each run, also for runs that started
 * in the same second, and a WARN that names the queue even when its name was too long to keep.
 */
class OrphansTest {
    private static final Instant STARTED = Instant.parse("2026-12-02T06:00:00Z");

    @TempDir
    Path dataDir;

    private Path queueDirectory(String encodedName) throws Exception {
        Path directory = dataDir.resolve(StorageFiles.QUEUES_DIRECTORY).resolve("%2F").resolve(encodedName);
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("00000000000000000000.log"), encodedName);
        return directory;
    }

    @Test
    void shouldGiveARunThatStartedInTheSameSecondAsEarlierOnesADirectoryOfItsOwn() throws Exception {
        Path orphans = dataDir.resolve(StorageFiles.ORPHANS_DIRECTORY);
        Files.createDirectories(orphans.resolve("20261202T060000Z"));
        Files.createDirectories(orphans.resolve("20261202T060000Z-2"));

        Path target = new Orphans(dataDir, STARTED).setAside(queueDirectory("q"), "a test");

        assertThat(target).isEqualTo(orphans.resolve("20261202T060000Z-3").resolve("%2F").resolve("q"));
        assertThat(target.resolve("00000000000000000000.log")).hasContent("q");
        assertThat(orphans.resolve("20261202T060000Z-3").resolve("RESTORE.txt")).isRegularFile();
    }

    @Test
    void shouldNameAQueueWhoseNameWasShortenedByTheBeginningOfItsDirectoryName() throws Exception {
        String shortened = "x".repeat(100) + "~0123abcd";
        try (LogCapture warnings = new LogCapture(Orphans.class)) {
            new Orphans(dataDir, STARTED).setAside(queueDirectory(shortened), "a test");

            assertThat(warnings.lines(Level.WARN)).singleElement().asString()
                    .contains("it begins '" + "x".repeat(80) + "' encoded");
        }
    }

    @Test
    void shouldPutEveryQueueSetAsideDuringOneRunInThatRunsDirectoryAndNameItInTheWarning() throws Exception {
        Orphans orphans = new Orphans(dataDir, STARTED);
        Path run = dataDir.resolve(StorageFiles.ORPHANS_DIRECTORY).resolve("20261202T060000Z");
        try (LogCapture warnings = new LogCapture(Orphans.class)) {
            Path first = orphans.setAside(queueDirectory("orders"), "no declaration");
            Path second = orphans.setAside(queueDirectory("invoices"), "no declaration");

            assertThat(first).isEqualTo(run.resolve("%2F").resolve("orders"));
            assertThat(second).isEqualTo(run.resolve("%2F").resolve("invoices"));
            assertThat(second.resolve("00000000000000000000.log")).hasContent("invoices");
            assertThat(warnings.lines(Level.WARN)).hasSize(2).last().asString()
                    .contains("durable queue 'invoices' in vhost '/'").contains("(no declaration)");
        }
        assertThat(dataDir.resolve(StorageFiles.ORPHANS_DIRECTORY)).isDirectoryNotContaining("glob:**-2");
    }
}
