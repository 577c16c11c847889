package dev.ferry.it.support;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import dev.ferry.server.FerryMain;
import io.netty.util.concurrent.FastThreadLocalThread;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * The broker's {@code main}, run with BlockHound watching the threads that must never wait: each
 * blocking call made on one prints a line starting with {@link #MARKER} and the stack that made
 * it, and the broker carries on (nothing is thrown into it), so that a test sees every violation
 * of a whole workload. Needs {@code -XX:+AllowRedefinitionToAddDeleteMethods} on Java 13 and later.
 *
 * <p>The rules, in one place:
 * <ul>
 *   <li><b>Threads that must not block:</b> Netty's event loops (Netty's own BlockHound
 *       integration, loaded from its jar, names them: {@code FastThreadLocalThread}s) and the
 *       queue owner threads ({@code ferry-queue-<n>}, see {@code QueueExecutorPool}).</li>
 *   <li><b>Blocking calls:</b> BlockHound's own list (sleeping, parking and waiting, so also
 *       waiting on a future or a contended lock; socket and stream I/O outside NIO), plus
 *       {@code FileChannel.force}: an fsync.</li>
 *   <li><b>Allowed by design:</b> reading and writing log files through {@code FileChannel} on a
 *       queue thread (it goes to the page cache; the fsync that waits for the disk runs on the
 *       flusher thread): not marked as blocking at all. A queue thread waiting for its next task
 *       inside its executor ({@code ThreadPoolExecutor.getTask}) is idle, not blocked, and one
 *       leaving its pool at shutdown ({@code processWorkerExit}) is done.</li>
 *   <li><b>Known, owned elsewhere:</b> {@link #KNOWN_ELSEWHERE}, blocking calls this check found
 *       in code other work owns; each is allowed only inside the one method named, so anything new
 *       still shows. Remove an entry when its owner fixes it.</li>
 * </ul>
 */
public final class BlockHoundFerryMain {
    /** Starts every line that reports a blocking call. */
    public static final String MARKER = "BLOCKING-CALL-ON-NON-BLOCKING-THREAD";
    private static final Pattern QUEUE_OWNER = Pattern.compile("ferry-queue-\\d+");
    private static final AtomicInteger violations = new AtomicInteger();
    // Each distinct stack is printed once; repeats name the report that printed it.
    private static final ConcurrentHashMap<String, Integer> stacksPrinted = new ConcurrentHashMap<>();
    // Printing a report is itself a blocking write; it must not report itself.
    private static final ThreadLocal<Boolean> reporting = ThreadLocal.withInitial(() -> false);

    /** A blocking call found inside {@code className.method}: what waits, and whose code it is. */
    record KnownBlockingCall(String className, String method, String what, String owner) {
    }

    /**
     * Blocking calls found on queue threads and event loops in code outside the metadata's scope.
     * Each is reported at start so it is not forgotten.
     */
    static final List<KnownBlockingCall> KNOWN_ELSEWHERE = List.of(
            new KnownBlockingCall("dev.ferry.log.Log", "roll", "a segment roll fsyncs the sealed segment, its two index"
                    + " files and the directory on the appending (queue) thread", "dev.ferry.log"),
            new KnownBlockingCall("dev.ferry.store.LogMessageStore", "openSpillLog", "Log.open fsyncs the new spill"
                    + " log's directory on the queue thread", "queue stores"),
            new KnownBlockingCall("dev.ferry.store.LogMessageStore", "releaseSettledSpill", "releasing a drained spill log"
                    + " closes (fsyncs) it on the queue thread", "queue stores"),
            new KnownBlockingCall("dev.ferry.store.LogMessageStore", "deleted", "closing a deleted queue's log fsyncs it"
                    + " (and its indexes) on the queue thread", "queue stores"),
            new KnownBlockingCall("dev.ferry.store.LogMessageStore", "close", "at shutdown, the final ack checkpoint and"
                    + " the log close fsync on the queue thread", "queue stores"),
            new KnownBlockingCall("dev.ferry.queue.MessageQueue", "scheduleDrain", "handing a queue's drain to its owner"
                    + " executor (a JDK ThreadPoolExecutor: LinkedBlockingQueue locks) parks the poster, an event"
                    + " loop or another queue's thread, when the lock is taken", "publish path / QueueExecutorPool"),
            new KnownBlockingCall("dev.ferry.log.FileHandleCache", "acquireSlowly", "opening a file's handle takes the"
                    + " cache's lock for its bookkeeping (not for the open itself); a queue thread parks when another"
                    + " thread, a flusher opening its sync descriptor or another queue, holds it at that moment"
                    + " (seen once in CI, 2026-12-02)", "dev.ferry.log"));

    private BlockHoundFerryMain() {
    }

    public static void main(String[] args) {
        for (KnownBlockingCall known : KNOWN_ELSEWHERE) {
            System.out.println("BlockHound: allowing a known blocking call in " + known.className() + "."
                    + known.method() + ": " + known.what() + " (owner: " + known.owner() + ")");
        }
        BlockHound.builder()
                .loadIntegrations(new FerryRules())
                .blockingMethodCallback(BlockHoundFerryMain::report)
                .install();
        FerryMain.main(args);
    }

    private static void report(BlockingMethod method) {
        if (reporting.get()) {
            return;
        }
        reporting.set(true);
        try {
            print(System.out, method);
        } finally {
            reporting.set(false);
        }
    }

    private static void print(PrintStream out, BlockingMethod method) {
        int count = violations.incrementAndGet();
        Thread thread = Thread.currentThread();
        StringBuilder stack = new StringBuilder();
        for (StackTraceElement frame : new Throwable().getStackTrace()) {
            stack.append(System.lineSeparator()).append("\tat ").append(frame);
        }
        Integer first = stacksPrinted.putIfAbsent(stack.toString(), count);
        out.println(MARKER + " #" + count + " thread=" + thread.getName() + " call=" + method
                + (first == null ? stack : " (same stack as #" + first + ")"));
    }

    /** Ferry's threads and calls, added to what BlockHound and Netty's integration already know. */
    private static final class FerryRules implements BlockHoundIntegration {
        @Override
        public void applyTo(BlockHound.Builder builder) {
            builder.nonBlockingThreadPredicate(others -> others.or(BlockHoundFerryMain::mustNotBlock));
            // An fsync waits for the disk: never on an event loop or a queue's owner.
            builder.markAsBlocking("sun.nio.ch.FileChannelImpl", "force", "(Z)V");
            // A queue owner thread between tasks waits for the next one: that is idle, not blocked.
            builder.allowBlockingCallsInside("java.util.concurrent.ThreadPoolExecutor", "getTask");
            // Nor is one ending at shutdown, which takes its executor's lock to leave the pool.
            builder.allowBlockingCallsInside("java.util.concurrent.ThreadPoolExecutor", "processWorkerExit");
            for (KnownBlockingCall known : KNOWN_ELSEWHERE) {
                builder.allowBlockingCallsInside(known.className(), known.method());
            }
        }
    }

    private static boolean mustNotBlock(Thread thread) {
        return thread instanceof FastThreadLocalThread eventLoop && !eventLoop.permitBlockingCalls()
                || QUEUE_OWNER.matcher(thread.getName()).matches();
    }
}
