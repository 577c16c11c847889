package dev.ferry.store;

import static dev.ferry.store.StoreTestSupport.CHANNEL;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.SimulatedFileSystem;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;

/**
 * Message bodies larger than a megabyte paged out and read back: they are written and read off
 * the heap ({@code LargeBuffers}, {@code ReadBuffer}), so these tests check that every byte comes
 * back where it belongs, whatever buffer carried it, and that each body is read from disk once.
 * A durable queue's store on a real log over a {@link SimulatedFileSystem}, which counts the bytes
 * read.
 */
class LargeBodyPagingTest {
    private static final Path DIRECTORY = Path.of("/data/q");
    private static final int BODY_BYTES = 3 * 1024 * 1024 + 17;
    private static final int MESSAGES = 6;
    /** Memory holds one body; the others are paged out. */
    private static final PagingLimits ONE_BODY = new PagingLimits(100, 4 * 1024 * 1024);
    private static final MessageProperties PERSISTENT = new MessageProperties("application/octet-stream", null, null,
            2, -1, null, null, null, "id", null, null, null, null, null);
    private static final QueueSettings SETTINGS = new QueueSettings("/", "q", true, OptionalLong.empty(), false,
            QueueArguments.NONE);

    private final SimulatedFileSystem fileSystem = new SimulatedFileSystem();
    private final FileHandleCache files = new FileHandleCache(FileHandleCache.CAPACITY_MIN, fileSystem);
    private final LogFlusher flusher = LogFlusher.manual();
    private final HeldExecutor owner = new HeldExecutor();
    private final List<MessageQueue> queues = new ArrayList<>();

    /** Runs tasks at once, or keeps them while held, so that several publishes make one drain. */
    private static final class HeldExecutor implements Executor {
        private final ArrayDeque<Runnable> held = new ArrayDeque<>();
        private boolean holding;

        @Override
        public void execute(Runnable task) {
            if (holding) {
                held.add(task);
            } else {
                task.run();
            }
        }

        void hold() {
            holding = true;
        }

        void release() {
            holding = false;
            while (!held.isEmpty()) {
                held.poll().run();
            }
        }
    }

    @AfterEach
    void closeQueues() {
        for (MessageQueue queue : queues) {
            queue.closeStore().handle((ok, error) -> null).join();
        }
    }

    private MessageQueue openQueue() {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.NEVER).segmentBytesMax(64 * 1024 * 1024)
                .batchBytesMax(64 * 1024 * 1024).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.open(DIRECTORY, config, flusher, files, Runnable::run, ONE_BODY,
                "queue 'q'");
        MessageQueue queue = new MessageQueue(SETTINGS, store, owner, q -> { });
        queues.add(queue);
        return queue;
    }

    private static byte[] body(int seed) {
        byte[] body = new byte[BODY_BYTES];
        new SplittableRandom(seed).nextBytes(body);
        return body;
    }

    /** Publishes the bodies in one drain: the store writes them with one append of several batches. */
    private void publishInOneDrain(MessageQueue queue, List<byte[]> bodies) throws Exception {
        List<PublishConfirm> confirms = new ArrayList<>();
        owner.hold();
        for (byte[] body : bodies) {
            PublishConfirm confirm = new PublishConfirm(1);
            queue.enqueue(new Message("ex", "rk", PERSISTENT, body), confirm);
            confirms.add(confirm);
        }
        owner.release();
        for (PublishConfirm confirm : confirms) {
            confirm.accepted().get(5, TimeUnit.SECONDS);
        }
    }

    private static Message take(MessageQueue queue) {
        Delivery delivery = queue.get(CHANNEL, true).join().delivery().orElseThrow();
        return delivery.message();
    }

    private static List<byte[]> bodies() {
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            bodies.add(body(i));
        }
        return bodies;
    }

    @Test
    void shouldDeliverLargeBodiesByteIdenticalAfterPagingOutAndBack() throws Exception {
        MessageQueue queue = openQueue();
        List<byte[]> bodies = bodies();
        publishInOneDrain(queue, bodies);
        assertThat(queue.messageCount()).isEqualTo(MESSAGES);

        for (int i = 0; i < MESSAGES; i++) {
            Message message = take(queue);
            assertThat(message.body()).as("body %d", i).isEqualTo(bodies.get(i));
            assertThat(message.properties()).isEqualTo(PERSISTENT);
        }
        assertThat(queue.get(CHANNEL, true).join().isEmpty()).isTrue();
    }

    @Test
    void shouldReadEachPagedLargeBodyFromDiskOnce() throws Exception {
        MessageQueue queue = openQueue();
        publishInOneDrain(queue, bodies());
        long before = fileSystem.bytesRead();
        for (int i = 0; i < MESSAGES; i++) {
            take(queue);
        }
        long read = fileSystem.bytesRead() - before;
        // The first body stayed in memory; the other five are each read once, with their batch's
        // framing. Reading one more batch than memory takes, or a batch of several bodies for
        // each of them, reads at least one body more.
        long pagedBodies = (long) (MESSAGES - 1) * BODY_BYTES;
        assertThat(read).isGreaterThanOrEqualTo(pagedBodies).isLessThan(pagedBodies + BODY_BYTES);
    }

    @Test
    void shouldRecoverLargeBodiesByteIdenticalAcrossARestart() throws Exception {
        MessageQueue queue = openQueue();
        List<byte[]> bodies = bodies();
        publishInOneDrain(queue, bodies);
        Message first = take(queue);
        assertThat(first.body()).isEqualTo(bodies.get(0));
        queue.closeStore().join();
        queues.clear();

        MessageQueue reopened = openQueue();
        assertThat(reopened.messageCount()).isEqualTo(MESSAGES - 1);
        for (int i = 1; i < MESSAGES; i++) {
            assertThat(take(reopened).body()).as("body %d", i).isEqualTo(bodies.get(i));
        }
    }
}
