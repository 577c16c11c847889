package dev.ferry.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where queue data that no declaration owns goes instead of being deleted:
 * {@code data/orphans/<run>/<vhost>/<queue>/}, one {@code <run>} directory per broker start (its
 * start time, UTC), the vhost and queue directory names as under {@code queues/}. Each move is a
 * WARN saying what the directory is and how to get its messages back; the run directory also gets
 * a {@code RESTORE.txt} saying the same, for an operator who finds it after the logs are gone.
 *
 * <p>How a queue comes back (checked by a test with real broker processes): while the broker
 * runs, declare the durable queue again with the same name and arguments (it starts empty); stop
 * the broker; replace {@code data/queues/<vhost>/<queue>/} with the set-aside directory; start the
 * broker: the queue recovers the set-aside messages. (Moving the directory back while the broker
 * is stopped, before the declaration exists, does not work: the next start would set it aside
 * again, since no declaration owns it.)
 *
 * <p>Thread safety: {@link #setAside} is synchronized; moves are rare (start-up, and a new queue
 * finding files under its name).
 */
final class Orphans {
    private static final Logger LOG = LoggerFactory.getLogger(Orphans.class);
    private static final DateTimeFormatter RUN_NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String RESTORE_NOTE = "RESTORE.txt";

    private final Path dataDir;
    private final Instant runStarted;
    private Path runDirectory;

    Orphans(Path dataDir, Instant runStarted) {
        this.dataDir = dataDir;
        this.runStarted = runStarted;
    }

    /**
     * Moves {@code queueDirectory} (under {@code data/queues/<vhost>/}) to this run's orphans
     * directory and logs a WARN with {@code why} and how to restore it.
     *
     * @return where it went
     * @throws IOException if it cannot be moved; it is then left where it was
     */
    synchronized Path setAside(Path queueDirectory, String why) throws IOException {
        Path hostDirectory = queueDirectory.getParent();
        Path target = runDirectory().resolve(hostDirectory.getFileName()).resolve(queueDirectory.getFileName());
        Files.createDirectories(target.getParent());
        Files.move(queueDirectory, target, StandardCopyOption.ATOMIC_MOVE);
        AckCheckpoint.syncDirectory(hostDirectory);
        AckCheckpoint.syncDirectory(target.getParent());
        String queue = StorageFiles.decodeName(queueDirectory.getFileName().toString())
                .map(name -> "durable queue '" + name + "'")
                .orElse("the durable queue (its name is too long to be read back from the directory name; it begins '"
                        + shorten(queueDirectory.getFileName().toString()) + "' encoded)");
        String vhost = StorageFiles.decodeName(hostDirectory.getFileName().toString()).orElse("?");
        LOG.warn("Queue data {} is not owned by any durable queue ({}); moved it to {} instead of deleting it. To get"
                + " its messages back: declare {} in vhost '{}' again with its original arguments, stop the broker,"
                + " replace {} with {}, and start the broker", queueDirectory, why, target, queue, vhost,
                queueDirectory, target);
        return target;
    }

    private static String shorten(String encoded) {
        return encoded.substring(0, Math.min(encoded.length(), 80));
    }

    private Path runDirectory() throws IOException {
        if (runDirectory == null) {
            Path orphans = dataDir.resolve(StorageFiles.ORPHANS_DIRECTORY);
            String name = RUN_NAME.format(runStarted);
            Path candidate = orphans.resolve(name);
            for (int n = 2; Files.exists(candidate); n++) {
                candidate = orphans.resolve(name + "-" + n);
            }
            Files.createDirectories(candidate);
            Files.writeString(candidate.resolve(RESTORE_NOTE), """
                    Ferry moved these queue directories here instead of deleting them: no durable queue
                    declaration owned them when the broker found them (<vhost>/<queue>, names %-encoded).
                    To get a queue's messages back: with the broker running, declare the durable queue
                    again with the same name and arguments; stop the broker; replace
                    data/queues/<vhost>/<queue>/ with the directory from here; start the broker.
                    """, StandardCharsets.UTF_8);
            runDirectory = candidate;
        }
        return runDirectory;
    }
}
