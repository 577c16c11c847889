package dev.ferry.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.log.FileTrees;
import dev.ferry.log.LogFileSystem;

/**
 * Where things live in the data directory, and file helpers.
 *
 * <pre>
 * data/
 *   metadata/                       the metadata log (dev.ferry.log, fsync always)
 *   queues/&lt;vhost&gt;/&lt;queue&gt;/          one log per durable queue, plus acks.checkpoint(.prev)
 *   paging/&lt;n&gt;/                     spill logs of non-durable queues while they page; emptied at start
 *   orphans/&lt;run&gt;/&lt;vhost&gt;/&lt;queue&gt;/  queue directories no declaration owned, set aside (never deleted)
 *   metadata.damaged-&lt;n&gt;/           a damaged metadata log as found, kept as evidence
 * </pre>
 *
 * Names are encoded so that any AMQP name is one safe path element: ASCII letters, digits, '-'
 * and '_' stay; every other byte of the UTF-8 name becomes '%' and two hex digits ('.' included,
 * so "." and ".." cannot occur). An encoded name longer than 120 characters is cut to 80 and
 * followed by '~' and the SHA-256 of the full name (hex), so distinct names stay distinct and
 * every element fits in a file system's 255 bytes.
 */
final class StorageFiles {
    static final String METADATA_DIRECTORY = "metadata";
    static final String QUEUES_DIRECTORY = "queues";
    static final String PAGING_DIRECTORY = "paging";
    static final String ORPHANS_DIRECTORY = "orphans";
    private static final char SHORTENED = '~';
    private static final int LONGEST_PLAIN_NAME = 120;
    private static final Logger LOG = LoggerFactory.getLogger(StorageFiles.class);

    private StorageFiles() {
    }

    static Path queueDirectory(Path dataDir, String virtualHost, String queueName) {
        return dataDir.resolve(QUEUES_DIRECTORY).resolve(encodeName(virtualHost)).resolve(encodeName(queueName));
    }

    static String encodeName(String name) {
        StringBuilder encoded = new StringBuilder(name.length() + 8);
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
                encoded.append(c);
            } else {
                encoded.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
            }
        }
        if (encoded.isEmpty()) {
            return "%";
        }
        if (encoded.length() > LONGEST_PLAIN_NAME) {
            return encoded.substring(0, 80) + SHORTENED + sha256(name);
        }
        return encoded.toString();
    }

    /**
     * The name {@link #encodeName} turned into {@code encoded}, or empty when the name was too long
     * and only its beginning and hash are left (or {@code encoded} is no encoded name at all).
     */
    static Optional<String> decodeName(String encoded) {
        if (encoded.equals("%")) {
            return Optional.of("");
        }
        if (encoded.indexOf(SHORTENED) >= 0) {
            return Optional.empty();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                if (i + 3 > encoded.length()) {
                    return Optional.empty();
                }
                try {
                    bytes.write(HexFormat.fromHexDigits(encoded, i + 1, i + 3));
                } catch (IllegalArgumentException e) {
                    return Optional.empty();
                }
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return Optional.of(bytes.toString(StandardCharsets.UTF_8));
    }

    private static String sha256(String name) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /**
     * Deletes {@code directory} and everything under it through {@code fileSystem} (the one a
     * queue's log is on), files first, each directory once empty. Logs a WARN and stops at the
     * first failure.
     */
    static void deleteRecursively(LogFileSystem fileSystem, Path directory) {
        if (!fileSystem.exists(directory)) {
            return;
        }
        try {
            deleteTree(fileSystem, directory);
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", directory, e.toString());
        }
    }

    private static void deleteTree(LogFileSystem fileSystem, Path directory) throws IOException {
        for (Path entry : fileSystem.list(directory)) {
            try {
                fileSystem.deleteIfExists(entry);
            } catch (DirectoryNotEmptyException e) {
                deleteTree(fileSystem, entry);
            }
        }
        fileSystem.deleteIfExists(directory);
    }

    /** As {@link FileTrees#deleteRecursively}, on the real file system; a failure is logged (WARN), not thrown. */
    static void deleteRecursively(Path directory) {
        try {
            FileTrees.deleteRecursively(directory);
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", directory, e.toString());
        }
    }
}
