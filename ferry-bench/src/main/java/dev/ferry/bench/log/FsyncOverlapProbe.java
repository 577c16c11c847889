package dev.ferry.bench.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Does a second fsync of the same file, started while one runs, shorten the wait for durability?
 * The question behind issue 11: a log's flusher today runs one fsync of a log at a time, so an
 * append written just after an fsync began waits for that one to end and then for a whole second.
 *
 * <p>A writer appends 16 KiB chunks to one file (growing it, as a segment grows) and each append
 * waits to be durable. Two ways to make them durable, run alternately (the machine is shared):
 * <ul>
 *   <li>{@code serial}: one sync thread, one fsync at a time; each covers everything written
 *       before it began (today's group commit);</li>
 *   <li>{@code overlap}: two sync threads, each with its own descriptor of the file; a thread
 *       starts an fsync as soon as something is written that no running fsync covers, so at most
 *       two run at once. Durability moves forward to the highest end a finished fsync covered.</li>
 * </ul>
 * Two loads: {@code closed} (the writer keeps {@code inFlight} appends waiting, as a producer with
 * {@code max.in.flight} requests does; its rate is what the fsyncs allow) and {@code open} (a
 * steady {@code rate} of appends per second whatever the latency). Printed per run: appends/s,
 * fsyncs/s, and the per-append durable latency (from before its write to the end of the fsync
 * covering it) p50/p99, with the load average.
 *
 * <pre>
 * java -cp ferry-bench/target/benchmarks.jar dev.ferry.bench.log.FsyncOverlapProbe [seconds] [rounds] [inFlight] [rate]
 * </pre>
 * (It uses the JDK alone, so {@code java ferry-bench/src/main/java/dev/ferry/bench/log/FsyncOverlapProbe.java}
 * runs it without a build.)
 */
public final class FsyncOverlapProbe {
    private static final int CHUNK_BYTES = 16 * 1024;

    private FsyncOverlapProbe() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int rate = args.length > 3 ? Integer.parseInt(args[3]) : 1500;
        Path directory = Files.createTempDirectory("ferry-fsync-overlap");
        try {
            for (int round = 1; round <= rounds; round++) {
                for (boolean overlap : new boolean[] {false, true}) {
                    print(round, "closed inFlight=" + inFlight, overlap,
                            run(directory, overlap, seconds, inFlight, 0));
                }
            }
            if (rate > 0) {
                for (int round = 1; round <= rounds; round++) {
                    for (boolean overlap : new boolean[] {false, true}) {
                        print(round, "open " + rate + "/s", overlap, run(directory, overlap, seconds, 0, rate));
                    }
                }
            }
        } finally {
            Files.deleteIfExists(directory); // each run deletes its file
        }
    }

    private static void print(int round, String load, boolean overlap, Result result) {
        System.out.printf("round %d %-18s %-7s appends/s %7.0f  fsyncs/s %6.0f  p50 %6.3f ms  p99 %6.3f ms  load %s%n",
                round, load, overlap ? "overlap" : "serial", result.appendsPerSecond, result.fsyncsPerSecond,
                result.p50Millis, result.p99Millis, loadAverage());
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    record Result(double appendsPerSecond, double fsyncsPerSecond, double p50Millis, double p99Millis) {
    }

    /** What the writer and the sync threads share, under its monitor. */
    private static final class Progress {
        final long[] writtenAtNanos;
        final long[] latencyNanos;
        long written;
        long claimed; // the highest end a started fsync covers
        long durable;
        int syncsRunning;
        long syncs;
        boolean stopping;
        final int maxSyncs;

        Progress(int capacity, int maxSyncs) {
            writtenAtNanos = new long[capacity];
            latencyNanos = new long[capacity];
            this.maxSyncs = maxSyncs;
        }
    }

    private static Result run(Path directory, boolean overlap, int seconds, int inFlight, int rate) throws Exception {
        Path file = directory.resolve(overlap ? "overlap.log" : "serial.log");
        Files.deleteIfExists(file);
        int capacity = 200_000;
        Progress progress = new Progress(capacity, overlap ? 2 : 1);
        int syncThreads = overlap ? 2 : 1;
        FileChannel writer = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileChannel[] syncChannels = new FileChannel[syncThreads];
        Thread[] threads = new Thread[syncThreads];
        for (int i = 0; i < syncThreads; i++) {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
            syncChannels[i] = channel;
            threads[i] = new Thread(() -> syncLoop(progress, channel), "sync-" + i);
            threads[i].start();
        }
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
        while (chunk.hasRemaining()) {
            chunk.put((byte) chunk.position());
        }
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long intervalNanos = rate > 0 ? 1_000_000_000L / rate : 0;
        long next = start;
        long position = 0;
        long appended = 0;
        while (System.nanoTime() < end && appended < capacity) {
            if (rate > 0) {
                long wait;
                while ((wait = next - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait); // not a spin: two cores, shared
                }
                next += intervalNanos;
            } else {
                synchronized (progress) {
                    while (progress.written - progress.durable >= inFlight) {
                        progress.wait();
                    }
                }
            }
            long writtenAt = System.nanoTime();
            chunk.clear();
            while (chunk.hasRemaining()) {
                position += writer.write(chunk, position);
            }
            synchronized (progress) {
                progress.writtenAtNanos[(int) progress.written] = writtenAt;
                progress.written++;
                progress.notifyAll();
            }
            appended++;
        }
        synchronized (progress) {
            while (progress.durable < progress.written) {
                progress.wait();
            }
            progress.stopping = true;
            progress.notifyAll();
        }
        long elapsed = System.nanoTime() - start;
        for (Thread thread : threads) {
            thread.join();
        }
        writer.close();
        for (FileChannel channel : syncChannels) {
            channel.close();
        }
        Files.deleteIfExists(file);
        long[] latencies = Arrays.copyOf(progress.latencyNanos, (int) progress.durable);
        Arrays.sort(latencies);
        double elapsedSeconds = elapsed / 1e9;
        return new Result(appended / elapsedSeconds, progress.syncs / elapsedSeconds,
                latencies[latencies.length / 2] / 1e6, latencies[(int) (latencies.length * 0.99)] / 1e6);
    }

    private static void syncLoop(Progress progress, FileChannel channel) {
        try {
            while (true) {
                long end;
                synchronized (progress) {
                    while (!progress.stopping
                            && (progress.written <= progress.claimed || progress.syncsRunning >= progress.maxSyncs)) {
                        progress.wait();
                    }
                    if (progress.stopping) {
                        return;
                    }
                    end = progress.written;
                    progress.claimed = end;
                    progress.syncsRunning++;
                }
                channel.force(false);
                long now = System.nanoTime();
                synchronized (progress) {
                    progress.syncsRunning--;
                    progress.syncs++;
                    for (long seq = progress.durable; seq < end; seq++) {
                        progress.latencyNanos[(int) seq] = now - progress.writtenAtNanos[(int) seq];
                    }
                    progress.durable = Math.max(progress.durable, end);
                    progress.notifyAll();
                }
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
