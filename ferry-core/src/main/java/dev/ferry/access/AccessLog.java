package dev.ferry.access;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable record of access changes: {@code access/access.log} in the data directory, one record
 * per {@link AccessCommand}, each written and fsynced before the change takes effect. On open the
 * records are replayed into an {@link AccessState} and the file is rewritten as just the commands that
 * rebuild it (so it grows only with one run's changes).
 *
 * <pre>
 * file:   magic "FRYA" (4 bytes) | version 1 (int32) | record*
 * record: payloadLength (int32) | crc32c(payload) (int32) | payload ({@link AccessCommandCodec})
 * </pre>
 *
 * <p>Damage: an incomplete last record (a crash in the middle of a write, never acknowledged) is
 * dropped with a WARN. A record whose CRC or content is wrong is skipped with an ERROR naming its
 * position, and a copy of the file as found is kept beside it ({@code access.log.damaged-<n>}) before
 * the rewrite. A file with a wrong magic or version is not touched: opening fails.
 *
 * <p>Thread safety: {@link #record} from any thread; one writer thread does the writes and fsyncs,
 * in order.
 */
public final class AccessLog implements AccessStore {
    private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);
    static final int MAGIC = 0x46525941; // "FRYA"
    static final int VERSION = 1;
    private static final int HEADER_BYTES = 8;
    private static final int RECORD_HEADER_BYTES = 8;
    private static final int MAX_RECORD_BYTES = 4 << 20;
    static final String FILE_NAME = "access.log";

    private final Path file;
    private final FileChannel channel;
    private final ExecutorService writer;
    private volatile IOException failure;

    private AccessLog(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "ferry-access-log");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** What opening found: the log, ready for new records, and the state it holds (null when there was no file). */
    public record Opened(AccessLog log, AccessState state) {
    }

    /**
     * Opens (or creates) the log in {@code directory}, replays it and compacts it.
     *
     * @throws UncheckedIOException if the file cannot be read or written, or is not an access log
     */
    public static Opened open(Path directory) {
        try {
            Files.createDirectories(directory);
            Path file = directory.resolve(FILE_NAME);
            AccessState state = null;
            if (Files.exists(file)) {
                state = replay(directory, file);
            }
            rewrite(directory, file, state == null ? List.of() : state.asCommands());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            return new Opened(new AccessLog(file, channel), state);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the access log in " + directory, e);
        }
    }

    private static AccessState replay(Path directory, Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        if (bytes.remaining() < HEADER_BYTES || bytes.getInt() != MAGIC) {
            throw new IOException(file + " is not a Ferry access log (wrong magic)");
        }
        int version = bytes.getInt();
        if (version != VERSION) {
            throw new IOException(file + " has access log version " + version + "; this Ferry reads version " + VERSION);
        }
        AccessState state = AccessState.EMPTY;
        boolean damaged = false;
        while (bytes.hasRemaining()) {
            int position = bytes.position();
            if (bytes.remaining() < RECORD_HEADER_BYTES) {
                LOG.warn("Access log {}: incomplete record at byte {} dropped (a write the crash interrupted)", file, position);
                break;
            }
            int length = bytes.getInt();
            int crc = bytes.getInt();
            if (length < 0 || length > MAX_RECORD_BYTES) {
                LOG.error("Access log {}: record at byte {} has length {}; the rest of the file ({} bytes) is unreadable "
                        + "and skipped", file, position, length, bytes.remaining());
                damaged = true;
                break;
            }
            if (bytes.remaining() < length) {
                LOG.warn("Access log {}: incomplete record at byte {} dropped (a write the crash interrupted)", file, position);
                break;
            }
            byte[] payload = new byte[length];
            bytes.get(payload);
            if (crc32c(payload) != crc) {
                LOG.error("Access log {}: record at byte {} ({} bytes) fails its CRC and is skipped", file, position, length);
                damaged = true;
                continue;
            }
            try {
                state = state.apply(AccessCommandCodec.decode(payload));
            } catch (IllegalArgumentException e) {
                LOG.error("Access log {}: record at byte {} does not decode and is skipped: {}", file, position, e.getMessage());
                damaged = true;
            }
        }
        if (damaged) {
            Path copy = freeDamagedName(directory);
            Files.copy(file, copy);
            LOG.error("Access log {} was damaged; a copy as found is kept in {}", file, copy);
        }
        return state;
    }

    private static Path freeDamagedName(Path directory) {
        for (int n = 1; ; n++) {
            Path candidate = directory.resolve(FILE_NAME + ".damaged-" + n);
            if (!Files.exists(candidate)) {
                return candidate;
            }
        }
    }

    /** Writes {@code commands} to a new file, fsyncs it and renames it over the log: never half a log. */
    private static void rewrite(Path directory, Path file, List<AccessCommand> commands) throws IOException {
        Path fresh = directory.resolve(FILE_NAME + ".new");
        try (FileChannel out = FileChannel.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).putInt(MAGIC).putInt(VERSION).flip();
            writeFully(out, header);
            for (AccessCommand command : commands) {
                writeFully(out, frame(command));
            }
            out.force(true);
        }
        Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(directory);
    }

    private static void forceDirectory(Path directory) {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a directory; the rename is then as durable as they make it.
            LOG.debug("cannot fsync directory {}: {}", directory, e.toString());
        }
    }

    private static ByteBuffer frame(AccessCommand command) {
        byte[] payload = AccessCommandCodec.encode(command);
        return ByteBuffer.allocate(RECORD_HEADER_BYTES + payload.length).putInt(payload.length)
                .putInt(crc32c(payload)).put(payload).flip();
    }

    private static int crc32c(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return (int) crc.getValue();
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    @Override
    public CompletableFuture<Void> record(AccessCommand command) {
        ByteBuffer record = frame(command);
        CompletableFuture<Void> durable = new CompletableFuture<>();
        try {
            writer.execute(() -> {
                if (failure != null) {
                    durable.completeExceptionally(failure);
                    return;
                }
                try {
                    writeFully(channel, record);
                    channel.force(false);
                    durable.complete(null);
                } catch (IOException e) {
                    failure = e;
                    LOG.error("Access log {}: cannot write; no access change is accepted until a restart: {}", file,
                            e.toString());
                    durable.completeExceptionally(e);
                }
            });
        } catch (RuntimeException closed) {
            durable.completeExceptionally(new IOException("the access log is closed"));
        }
        return durable;
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(10, TimeUnit.SECONDS);
            channel.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("closing the access log failed: {}", e.toString());
        }
    }

    /** For tests: the commands a file holds, as they would replay. */
    static List<AccessCommand> read(Path directory) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(directory.resolve(FILE_NAME)));
        bytes.position(HEADER_BYTES);
        List<AccessCommand> commands = new ArrayList<>();
        while (bytes.remaining() >= RECORD_HEADER_BYTES) {
            int length = bytes.getInt();
            bytes.getInt();
            byte[] payload = new byte[length];
            bytes.get(payload);
            commands.add(AccessCommandCodec.decode(payload));
        }
        return commands;
    }
}
