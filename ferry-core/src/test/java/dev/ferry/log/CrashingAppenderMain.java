package dev.ferry.log;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * The child process of {@link LogCrashTest}: appends to an {@link FsyncPolicy#ALWAYS} log as fast
 * as it can until it is killed, and prints {@code R <offset> <valueBytes> .} for every record once
 * its future completes (after the fsync covering it). Content is a function of offset and value
 * size ({@link LogTestSupport}), so the parent can check every record it finds.
 *
 * <p>Arguments: the log directory and a seed choosing batch shapes.
 */
public final class CrashingAppenderMain {
    /** Appends in flight before the writer waits for the oldest: enough to keep group commit busy. */
    private static final int IN_FLIGHT_MAX = 32;

    private CrashingAppenderMain() {
    }

    public static void main(String[] args) {
        Path directory = Path.of(args[0]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false);
        Log log = Log.open(directory, LogCrashTest.config());
        ArrayDeque<CompletableFuture<AppendResult>> inFlight = new ArrayDeque<>();
        while (true) {
            long firstOffset = log.logEndOffset();
            int recordCount = 1 + random.nextInt(16);
            int valueBytes = random.nextInt(600);
            CompletableFuture<AppendResult> future = random.nextBoolean()
                    ? log.append(LogTestSupport.recordsFor(firstOffset, recordCount, valueBytes))
                    : log.appendBatch(LogTestSupport.encodedBatch(firstOffset, recordCount, valueBytes));
            // Runs on the flusher thread, in offset order, only after the covering fsync.
            future.thenAccept(result -> {
                StringBuilder lines = new StringBuilder();
                for (long offset = result.firstOffset(); offset <= result.lastOffset(); offset++) {
                    lines.append("R ").append(offset).append(' ').append(valueBytes).append(" .\n");
                }
                out.print(lines);
                out.flush();
            });
            inFlight.add(future);
            if (inFlight.size() > IN_FLIGHT_MAX) {
                inFlight.poll().join();
            }
        }
    }
}
