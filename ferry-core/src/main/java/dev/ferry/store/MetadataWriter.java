package dev.ferry.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.log.Log;

/**
 * The one owner of the metadata log while the broker runs: a thread ({@code ferry-metadata}) that
 * takes every change waiting, writes them with one {@link Log#appendBatch} (each change a batch of
 * its own, so each keeps its own CRC), and completes their futures in order once the fsync that
 * covers them is done. The log's fsync runs on the broker's shared flusher, so one fsync covers
 * this write and whatever queue appends are waiting with it (group commit). No caller ever waits:
 * {@link #append} queues and returns a future.
 *
 * <p>Besides appends, the thread runs {@linkplain #execute tasks} in the same order, for work that
 * must come between two changes (tests use one to hold the writer still while changes pile up).
 *
 * <p>Design note: futures complete on this thread, not on the flusher thread that learns of the
 * fsync, so that what callers chain to them (answers to clients, undoing a change whose write
 * failed, which takes a virtual host's lock) never delays the fsyncs of every queue.
 *
 * <p>Failure: a write or fsync that fails fails the futures of that write; the log then refuses
 * every later write, so every later change fails too, until a restart (see {@link Log}).
 *
 * <p>Thread safety: {@link #append} and {@link #execute} from any thread; {@link #close} once.
 */
final class MetadataWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataWriter.class);
    /** At most this many bytes go into one write. */
    static final int WRITE_BYTES_MAX = 1024 * 1024;
    /** At most this many changes go into one write. */
    static final int WRITE_CHANGES_MAX = 4096;

    private sealed interface Entry {
    }

    private record Append(ByteBuffer batch, CompletableFuture<Void> done) implements Entry {
    }

    private record Task(Runnable action, Runnable ifClosed) implements Entry {
    }

    /** A write's fsync finished (or failed): its futures complete, in the order written. */
    private record Written(List<CompletableFuture<Void>> done, Throwable failure) implements Entry {
    }

    private final Log log;
    private final ConcurrentLinkedQueue<Entry> inbox = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean closing;
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong changesWritten = new AtomicLong();
    // Writer thread only.
    private int writesInFlight;
    private boolean failureLogged;

    MetadataWriter(Log log) {
        this.log = log;
        this.thread = new Thread(this::run, "ferry-metadata");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues one pre-encoded batch; the future completes on the writer thread after the fsync that
     * covers it, after the futures of every batch queued before it, or fails with the write's error.
     */
    CompletableFuture<Void> append(ByteBuffer batch) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        submit(new Append(batch, done));
        return done;
    }

    /**
     * Runs {@code task} on the writer thread after every change and task queued before it; once the
     * writer is closed, runs {@code ifClosed} instead, on the caller's thread.
     */
    void execute(Runnable task, Runnable ifClosed) {
        submit(new Task(task, ifClosed));
    }

    private void submit(Entry entry) {
        if (closing) {
            refuse(entry);
            return;
        }
        inbox.offer(entry);
        LockSupport.unpark(thread);
        if (closing && !thread.isAlive()) {
            // Raced with close(): the thread may have gone before it saw this entry.
            refuseLeftovers();
        }
    }

    private void refuse(Entry entry) {
        IllegalStateException closed = new IllegalStateException("the metadata log is closed: the broker is stopping");
        if (entry instanceof Append append) {
            append.done.completeExceptionally(closed);
        } else if (entry instanceof Task task) {
            task.ifClosed.run();
        }
    }

    private void refuseLeftovers() {
        Entry entry;
        while ((entry = inbox.poll()) != null) {
            refuse(entry);
        }
    }

    /** How many writes were made; with {@link #changesWritten()}, shows how many changes each one carried. */
    long writes() {
        return writes.get();
    }

    long changesWritten() {
        return changesWritten.get();
    }

    private void run() {
        while (true) {
            int work = doWork();
            if (work == 0) {
                if (closing && inbox.isEmpty() && writesInFlight == 0) {
                    break;
                }
                // The metadata thread's own idle wait: nothing else runs here.
                LockSupport.park(this);
            }
        }
        try {
            log.close();
        } catch (RuntimeException e) {
            LOG.error("Closing the metadata log failed: {}", e.toString());
        }
        LOG.info("Metadata: {} changes stored in {} writes during this run", changesWritten.get(), writes.get());
    }

    /** Handles every entry waiting now; returns how many. */
    private int doWork() {
        List<Append> pending = new ArrayList<>();
        int pendingBytes = 0;
        int work = 0;
        Entry entry;
        while ((entry = inbox.poll()) != null) {
            work++;
            if (entry instanceof Append append) {
                int bytes = append.batch.remaining();
                if (!pending.isEmpty() && (pendingBytes + bytes > WRITE_BYTES_MAX || pending.size() >= WRITE_CHANGES_MAX)) {
                    write(pending, pendingBytes);
                    pending = new ArrayList<>();
                    pendingBytes = 0;
                }
                pending.add(append);
                pendingBytes += bytes;
                continue;
            }
            if (!pending.isEmpty()) {
                write(pending, pendingBytes);
                pending = new ArrayList<>();
                pendingBytes = 0;
            }
            if (entry instanceof Task task) {
                runTask(task);
            } else if (entry instanceof Written written) {
                writesInFlight--;
                complete(written.done, written.failure);
            }
        }
        if (!pending.isEmpty()) {
            write(pending, pendingBytes);
        }
        return work;
    }

    private void write(List<Append> appends, int bytes) {
        ByteBuffer buffer = ByteBuffer.allocate(bytes);
        List<CompletableFuture<Void>> done = new ArrayList<>(appends.size());
        for (Append append : appends) {
            buffer.put(append.batch.duplicate());
            done.add(append.done);
        }
        buffer.flip();
        try {
            log.appendBatch(buffer).whenComplete((result, error) -> {
                inbox.offer(new Written(done, error));
                LockSupport.unpark(thread);
            });
            writesInFlight++;
            writes.incrementAndGet();
            changesWritten.addAndGet(appends.size());
        } catch (RuntimeException e) {
            complete(done, e);
        }
    }

    private void complete(List<CompletableFuture<Void>> done, Throwable failure) {
        if (failure != null && !failureLogged) {
            failureLogged = true;
            LOG.error("Storing {} metadata changes failed; they are undone and every later change will fail"
                    + " until a restart: {}", done.size(), failure.toString());
        }
        for (CompletableFuture<Void> future : done) {
            if (failure == null) {
                future.complete(null);
            } else {
                future.completeExceptionally(failure);
            }
        }
    }

    private static void runTask(Task task) {
        try {
            task.action.run();
        } catch (RuntimeException e) {
            LOG.error("A metadata task failed", e);
        }
    }

    /**
     * Writes what is queued, waits for its fsync, stops the thread and closes the log. Changes
     * submitted afterwards fail at once.
     */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        refuseLeftovers();
    }
}
