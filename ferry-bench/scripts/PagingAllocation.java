import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;
import dev.ferry.store.LogMessageStore;
import dev.ferry.store.PagingLimits;

/**
 * What paging a large message costs the Java heap, measured without a socket and without a clock,
 * so that the figure does not depend on how busy the machine is: a non-durable queue's store
 * (spill log, the broker's default paging limits and log settings) with a backlog of large bodies,
 * one published and one taken per round, everything on this thread. The heap this thread allocates
 * per round ({@code ThreadMXBean.getThreadAllocatedBytes}) is what the store and the queue allocate
 * to page the body out and read it back: the bodies themselves are allocated once, before.
 *
 *   java -cp ferry-server/target/ferry.jar ferry-bench/scripts/PagingAllocation.java [BODY_BYTES] [ROUNDS] [BACKLOG]
 *
 * Prints one line: body size, rounds, backlog, heap allocated per round (MiB), this thread's CPU
 * time per round (ms; the store's copies and checksums, less dependent on load than wall time but
 * not independent of it), and the bodies read back whole (a check that the measurement measured a working store).
 */
public class PagingAllocation {
    public static void main(String[] args) throws Exception {
        int bodyBytes = args.length > 0 ? Integer.parseInt(args[0]) : 16 * 1024 * 1024;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        int backlog = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        byte[][] bodies = new byte[backlog + 1][];
        for (int i = 0; i < bodies.length; i++) {
            bodies[i] = new byte[bodyBytes];
            new SplittableRandom(i).nextBytes(bodies[i]);
        }
        Path directory = Files.createTempDirectory("paging-allocation");
        LogFlusher flusher = new LogFlusher("paging-allocation-flusher");
        int segmentBytes = 256 * 1024 * 1024; // the broker's --queue-segment-bytes default, and its batch limit
        LogConfig config = new LogConfig().segmentBytesMax(segmentBytes).batchBytesMax(segmentBytes)
                .segmentDeleteDelayMs(0).fsyncPolicy(dev.ferry.log.FsyncPolicy.NEVER);
        LogMessageStore store = LogMessageStore.openTransient(directory.resolve("spill"), config, flusher,
                PagingLimits.DEFAULTS, "queue 'bench'");
        QueueSettings settings = new QueueSettings("/", "bench", false, OptionalLong.empty(), false, QueueArguments.NONE);
        MessageQueue queue = new MessageQueue(settings, store, Runnable::run, q -> { });
        dev.ferry.queue.ChannelRef channel = new dev.ferry.queue.ChannelRef(1, 1);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        int published = 0;
        int taken = 0;
        int whole = 0;
        for (; published < backlog; published++) {
            queue.enqueue(new Message("", "bench", MessageProperties.EMPTY, bodies[published % bodies.length]), null);
        }
        // One warm-up round, so that class loading and first-use buffers are not counted.
        long before = 0;
        long cpuBefore = 0;
        for (int round = -1; round < rounds; round++) {
            if (round == 0) {
                before = threads.getThreadAllocatedBytes(thread);
                cpuBefore = threads.getCurrentThreadCpuTime();
            }
            queue.enqueue(new Message("", "bench", MessageProperties.EMPTY, bodies[published % bodies.length]), null);
            published++;
            Message message = queue.get(channel, true).join().delivery().orElseThrow().message();
            if (java.util.Arrays.equals(message.body(), bodies[taken % bodies.length])) {
                whole++;
            }
            taken++;
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        long cpuNanos = threads.getCurrentThreadCpuTime() - cpuBefore;
        queue.closeStore().join();
        flusher.close();
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        System.out.printf("paging_allocation body_bytes=%d rounds=%d backlog=%d heap_allocated_per_round_mib=%.1f"
                + " thread_cpu_per_round_ms=%.1f bodies_back_whole=%d/%d%n", bodyBytes, rounds, backlog,
                allocated / (double) rounds / (1024 * 1024), cpuNanos / (double) rounds / 1e6, whole, taken);
    }
}
