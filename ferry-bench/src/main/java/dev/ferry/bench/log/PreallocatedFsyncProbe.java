package dev.ferry.bench.log;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * How much of an fdatasync's CPU and wait is the file growing under it? The question behind the
 * preallocation idea of issue 11: on ext4 an fdatasync of a file that grew also writes the new
 * blocks' allocation and the inode (its size changed), each a synchronous write of its own, then
 * the cache flush. Writing into blocks that already exist (allocated, written, length unchanged)
 * leaves only the data and the flush.
 *
 * <p>Three files, a thread each (as three partitions with their sync threads); every thread writes
 * {@code chunks} chunks of {@code chunkBytes} one after another and fdatasyncs after each. Modes,
 * run alternately:
 * <ul>
 *   <li>{@code growing}: each chunk appended to a fresh file (a segment as Ferry writes it);</li>
 *   <li>{@code zeroed}: the files first filled with zeros in 4 MiB writes, each fdatasynced, then
 *       overwritten chunk by chunk. The zero fill is timed apart: it is what preallocation would
 *       cost the broker, on the same cores, for the same bytes.</li>
 *   <li>{@code direct}: as {@code zeroed}, but the zeros written with {@code O_DIRECT} from one
 *       aligned buffer (no page cache, no copy) and fdatasynced once per file.</li>
 * </ul>
 * Printed per run: the wall time, and the process's CPU time (user + system, from
 * {@code /proc/self/stat}) per fsync; for {@code zeroed} and {@code direct}, the zero fill's CPU and wall time too.
 * Linux only.
 *
 * <pre>
 * java -cp ferry-bench/target/benchmarks.jar dev.ferry.bench.log.PreallocatedFsyncProbe [chunks] [chunkBytes] [rounds] [dir]
 * </pre>
 */
public final class PreallocatedFsyncProbe {
    private static final int FILES = 3;
    private static final int ZERO_FILL_BYTES = 4 << 20;

    private PreallocatedFsyncProbe() {
    }

    public static void main(String[] args) throws Exception {
        int chunks = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
        int chunkBytes = args.length > 1 ? Integer.parseInt(args[1]) : 32 * 1024;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        boolean ownDirectory = args.length <= 3;
        Path directory = ownDirectory ? Files.createTempDirectory("ferry-prealloc-probe")
                : Files.createDirectories(Path.of(args[3]));
        long ticksPerSecond = 100; // USER_HZ: what /proc reports CPU time in on Linux
        for (int round = 1; round <= rounds; round++) {
            for (String mode : new String[] {"growing", "zeroed", "direct"}) {
                List<FileChannel> files = new ArrayList<>();
                try {
                    for (int i = 0; i < FILES; i++) {
                        Path path = directory.resolve("probe-" + i);
                        Files.deleteIfExists(path);
                        files.add(FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                                StandardOpenOption.WRITE));
                    }
                    String fill = "";
                    if (!mode.equals("growing")) {
                        long cpu = cpuTicks();
                        long start = System.nanoTime();
                        for (int i = 0; i < FILES; i++) {
                            if (mode.equals("direct")) {
                                zeroFillDirect(directory.resolve("probe-" + i), (long) chunks * chunkBytes);
                            } else {
                                zeroFill(files.get(i), (long) chunks * chunkBytes);
                            }
                        }
                        fill = String.format(" (zero fill of %d MiB: %d ms, CPU %d ms)",
                                (long) FILES * chunks * chunkBytes >> 20, (System.nanoTime() - start) / 1_000_000,
                                (cpuTicks() - cpu) * 1000 / ticksPerSecond);
                    }
                    long cpu = cpuTicks();
                    long start = System.nanoTime();
                    writeAndSync(files, chunks, chunkBytes);
                    long wallMs = (System.nanoTime() - start) / 1_000_000;
                    double cpuMicrosPerFsync = (cpuTicks() - cpu) * 1e6 / ticksPerSecond / ((long) FILES * chunks);
                    System.out.printf("round %d %-8s %d x %d B x %d files: %d ms, CPU %.0f µs per fsync%s%n", round,
                            mode, chunks, chunkBytes, FILES, wallMs, cpuMicrosPerFsync, fill);
                } finally {
                    for (FileChannel file : files) {
                        file.close();
                    }
                }
            }
        }
        for (int i = 0; i < FILES; i++) {
            Files.deleteIfExists(directory.resolve("probe-" + i));
        }
        if (ownDirectory) {
            Files.delete(directory);
        }
    }

    private static void zeroFill(FileChannel file, long bytes) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(ZERO_FILL_BYTES);
        for (long position = 0; position < bytes; position += ZERO_FILL_BYTES) {
            zeros.clear();
            while (zeros.hasRemaining()) {
                file.write(zeros, position + zeros.position());
            }
            file.force(false);
        }
    }

    private static void zeroFillDirect(Path path, long bytes) throws IOException {
        int block = (int) Files.getFileStore(path).getBlockSize();
        ByteBuffer zeros = ByteBuffer.allocateDirect(ZERO_FILL_BYTES + block).alignedSlice(block);
        try (FileChannel direct = FileChannel.open(path, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
            for (long position = 0; position < bytes; position += ZERO_FILL_BYTES) {
                zeros.clear();
                while (zeros.hasRemaining()) {
                    direct.write(zeros, position + zeros.position());
                }
            }
            direct.force(false);
        }
    }

    private static void writeAndSync(List<FileChannel> files, int chunks, int chunkBytes) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(files.size());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (FileChannel file : files) {
                done.add(threads.submit(() -> {
                    ByteBuffer chunk = ByteBuffer.allocateDirect(chunkBytes);
                    for (int i = 0; i < chunks; i++) {
                        chunk.clear();
                        chunk.put(0, (byte) (i | 1)); // not all zeros, so no layer below can skip the write
                        long position = (long) i * chunkBytes;
                        while (chunk.hasRemaining()) {
                            file.write(chunk, position + chunk.position());
                        }
                        file.force(false);
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            threads.shutdown();
        }
    }

    /** User plus system CPU time of this process so far, in clock ticks. */
    private static long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        // Fields after the command name, which is in parentheses and may hold spaces.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}
