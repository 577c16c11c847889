package dev.ferry.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The small text files beside the stream logs (partition metadata, log start checkpoints, the
 * cluster identity), written so a crash leaves either the old file or the new one: a temporary
 * file fsynced, renamed over the old one, and the directory fsynced. Their format is Java's
 * {@code key: value} / {@code key=value} line style, one pair per line, readable by a person.
 */
final class SmallFiles {
    private SmallFiles() {
    }

    /** Writes {@code text} to {@code file} atomically and durably (see the class comment). */
    static void writeDurably(Path file, String text) throws IOException {
        writeDurably(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code content} to {@code file} atomically and durably. */
    static void writeDurably(Path file, byte[] content) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(content);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDirectory(file.toAbsolutePath().getParent());
    }

    static void fsyncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** The {@code key: value} or {@code key=value} pairs of {@code file}, in file order; blank lines and # comments skipped. */
    static Map<String, String> readPairs(Path file) throws IOException {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String trimmed = line.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int colon = trimmed.indexOf(':');
            int equals = trimmed.indexOf('=');
            int split = colon < 0 ? equals : equals < 0 ? colon : Math.min(colon, equals);
            if (split < 0) {
                throw new IOException(file + ": line '" + trimmed + "' is not key: value");
            }
            pairs.put(trimmed.substring(0, split).trim(), trimmed.substring(split + 1).trim());
        }
        return pairs;
    }
}
