package dev.ferry.stream;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.ferry.log.FileHandleCache;

/**
 * The child process of {@link StreamCrashTest}: opens the topics in a data directory, creates
 * topic {@code crash} if absent, and appends idempotent batches of producer 7 (epoch given) as
 * fast as it can, several in flight, printing {@code A <sequence> <offset> .} once a batch's
 * future completes (it is durable), until it is killed.
 */
public final class CrashingProducerMain {
    private CrashingProducerMain() {
    }

    public static void main(String[] args) throws Exception {
        // Reports alone on stdout: a log line written there could cut one in two and lose it.
        PrintStream reports = System.out;
        System.setOut(System.err);
        Path data = Path.of(args[0]);
        short epoch = Short.parseShort(args[1]);
        TopicRegistry registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2);
        Topic topic = registry.topic("crash").isPresent() ? registry.topic("crash").get()
                : registry.create("crash", 1, Map.of(TopicConfig.SEGMENT_BYTES, "8192")).join();
        Partition partition = topic.partition(0);
        Map<Integer, Boolean> inFlight = new ConcurrentHashMap<>();
        for (int sequence = 0; ; sequence++) {
            while (inFlight.size() >= 5) {
                Thread.onSpinWait();
            }
            int seq = sequence;
            inFlight.put(seq, true);
            long now = System.currentTimeMillis();
            partition.append(StreamTestSupport.idempotentBatch(7, epoch, seq, now, "e" + epoch + "s" + seq), now)
                    .whenComplete((result, failure) -> {
                        if (failure == null) {
                            synchronized (reports) {
                                reports.println("A " + epoch + " " + seq + " " + result.baseOffset() + " .");
                                reports.flush();
                            }
                        } else {
                            System.err.println("append " + seq + " failed: " + failure);
                        }
                        inFlight.remove(seq);
                    });
        }
    }
}
