package dev.ferry.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.apache.kafka.common.Uuid;

/**
 * The cluster id Kafka clients see in Metadata, kept in {@code cluster.id} in the data directory
 * so that it stays the same across restarts (clients and tools compare it to tell clusters apart).
 * Created on the first start as a random id in Kafka's form (a base64 UUID of 22 characters),
 * written to a temporary file, fsynced and renamed, so a crash never leaves half an id.
 */
final class ClusterIdFile {
    static final String FILE_NAME = "cluster.id";

    private ClusterIdFile() {
    }

    static String loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        try {
            String existing = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (existing.isEmpty()) {
                throw new IllegalStateException(file + " is empty; remove it to have a new cluster id created");
            }
            return existing;
        } catch (NoSuchFileException e) {
            return create(dataDir, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String create(Path dataDir, Path file) {
        String id = Uuid.randomUuid().toString();
        Path temporary = dataDir.resolve(FILE_NAME + ".tmp");
        try {
            Files.writeString(temporary, id + "\n", StandardCharsets.UTF_8);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel directory = FileChannel.open(dataDir, StandardOpenOption.READ)) {
                directory.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return id;
    }
}
