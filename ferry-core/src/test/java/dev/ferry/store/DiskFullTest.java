package dev.ferry.store;

import static dev.ferry.store.StoreTestSupport.CHANNEL;
import static dev.ferry.store.StoreTestSupport.body;
import static dev.ferry.store.StoreTestSupport.drain;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.GetResult;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;

/**
 * A queue on a disk that really fills up (a small tmpfs): a message whose write failed is nacked
 * and never delivered, every confirmed message is there, and once space returns the queue writes
 * again without a restart.
 */
class DiskFullTest {
    private static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);
    private static final byte[] KIB = "x".repeat(1024).getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dataDir;
    private SmallDisk disk;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final List<MessageQueue> open = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (MessageQueue queue : open) {
            queue.closeStore().handle((ok, error) -> null).join();
        }
        flusher.close();
        if (disk != null) {
            disk.close();
        }
    }

    private static LogConfig config(FsyncPolicy fsync) {
        return new LogConfig().fsyncPolicy(fsync).segmentBytesMax(256 * 1024).batchBytesMax(256 * 1024)
                .segmentDeleteDelayMs(0);
    }

    private MessageQueue durableQueue(Path directory) {
        LogMessageStore store = LogMessageStore.open(directory, config(FsyncPolicy.ALWAYS), flusher, Runnable::run,
                PagingLimits.DEFAULTS, "queue 'q'");
        return queue(store, true);
    }

    private MessageQueue queue(LogMessageStore store, boolean durable) {
        QueueSettings settings = new QueueSettings("/", "q", durable, OptionalLong.empty(), false, QueueArguments.NONE);
        MessageQueue queue = new MessageQueue(settings, store, Runnable::run, q -> { });
        open.add(queue);
        return queue;
    }

    @Test
    void aMessageWhoseWriteFailedIsNackedAndNeverDeliveredAndWritesResumeWhenSpaceReturns() throws Exception {
        disk = SmallDisk.mount(dataDir.resolve("disk"), 2);
        Path directory = disk.path().resolve("q");
        MessageQueue queue = durableQueue(directory);
        Path filler = disk.fill(48 * 1024);

        List<String> confirmed = new ArrayList<>();
        List<String> nacked = new ArrayList<>();
        publishSorted(queue, "a", 120, PERSISTENT, confirmed, nacked);
        assertThat(nacked).as("the disk filled up").isNotEmpty();
        assertThat(confirmed).as("some fitted first").isNotEmpty();

        // Exactly the confirmed messages are there, in order; not one nacked message is delivered.
        assertThat(getAll(queue)).containsExactlyElementsOf(confirmed);
        queue.closeChannel(CHANNEL); // back to the queue, unacked

        Files.delete(filler);
        queue.maintainStore(); // a log that gave up after the failed write is reopened here
        List<String> later = new ArrayList<>();
        List<String> laterNacked = new ArrayList<>();
        publishSorted(queue, "b", 20, PERSISTENT, later, laterNacked);
        assertThat(laterNacked).as("space is back: no restart needed").isEmpty();

        queue.closeStore().join();
        open.remove(queue);
        List<String> expected = new ArrayList<>(confirmed);
        expected.addAll(later);
        assertThat(drainBodies(durableQueue(directory))).as("after a restart").containsExactlyElementsOf(expected);
    }

    @Test
    void aPagedTransientMessageIsConfirmedOnlyOnceItsRecordIsWritten() throws Exception {
        disk = SmallDisk.mount(dataDir.resolve("disk"), 2);
        LogMessageStore store = LogMessageStore.openTransient(disk.path().resolve("spill"), config(FsyncPolicy.NEVER),
                flusher, new PagingLimits(4, 1024 * 1024), "queue 't'");
        MessageQueue queue = queue(store, false);
        Path filler = disk.fill(48 * 1024);

        List<String> confirmed = new ArrayList<>();
        List<String> nacked = new ArrayList<>();
        publishSorted(queue, "t", 120, MessageProperties.EMPTY, confirmed, nacked);
        assertThat(nacked).as("paged out onto a full disk").isNotEmpty();
        assertThat(confirmed).as("four in memory, and what fitted on disk").hasSizeGreaterThan(4);
        assertThat(getAll(queue)).containsExactlyElementsOf(confirmed);
        queue.closeChannel(CHANNEL);

        Files.delete(filler);
        queue.maintainStore();
        List<String> later = new ArrayList<>();
        List<String> laterNacked = new ArrayList<>();
        publishSorted(queue, "u", 20, MessageProperties.EMPTY, later, laterNacked);
        assertThat(laterNacked).isEmpty();
        List<String> expected = new ArrayList<>(confirmed);
        expected.addAll(later);
        assertThat(drainBodies(queue)).containsExactlyElementsOf(expected);
    }

    /**
     * Publishes {@code count} messages named {@code prefix0, prefix1, ...} and waits for every
     * publisher's answer: the confirmed ones go to {@code confirmed}, the nacked to {@code nacked}.
     */
    @Test
    void aLargeBodyWhoseWriteFailedIsGivenBackAtOnce() throws Exception {
        disk = SmallDisk.mount(dataDir.resolve("disk"), 8);
        MessageQueue queue = durableQueue(disk.path().resolve("q"));
        disk.fill(512 * 1024);
        List<MessageBody> bodies = new ArrayList<>();
        List<PublishConfirm> confirms = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            MessageBody body = MessageBody.allocate(MessageBody.DIRECT_FROM_BYTES);
            assertThat(body.isDirect()).as("off the heap, so references count").isTrue();
            PublishConfirm confirm = new PublishConfirm(1);
            queue.enqueue(new Message("", "q", PERSISTENT, body), confirm);
            body.release(); // the publisher's
            bodies.add(body);
            confirms.add(confirm);
        }
        for (int i = 0; i < 3; i++) {
            PublishConfirm confirm = confirms.get(i);
            assertThat(confirm.accepted()).as("a mebibyte cannot fit in half of one")
                    .failsWithin(Duration.ofSeconds(10));
            assertThat(bodies.get(i).references()).as("the queue's reference to body " + i + " went back with the nack")
                    .isZero();
        }
        assertThat(queue.get(CHANNEL, true).join().isEmpty()).isTrue();
    }

    private static void publishSorted(MessageQueue queue, String prefix, int count, MessageProperties properties,
                                      List<String> confirmed, List<String> nacked) {
        List<PublishConfirm> confirms = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            PublishConfirm confirm = new PublishConfirm(1);
            byte[] body = (prefix + i + ":" + new String(KIB, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            queue.enqueue(new Message("", "q", properties, body), confirm);
            confirms.add(confirm);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int i = 0; i < count; i++) {
            CompletableFuture<Void> answer = confirms.get(i).accepted();
            while (true) {
                try {
                    answer.get(100, TimeUnit.MILLISECONDS);
                    confirmed.add(prefix + i);
                } catch (ExecutionException e) {
                    nacked.add(prefix + i);
                } catch (TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("no answer for " + prefix + i, e);
                    }
                    // The broker's maintenance thread does this every checkpoint interval: a log
                    // that gave up after the failed write (and holds back the fsyncs of what it
                    // wrote before) is reopened, and those waiting get their answer.
                    queue.maintainStore();
                    continue;
                } catch (InterruptedException e) {
                    throw new AssertionError("interrupted", e);
                }
                break;
            }
        }
    }

    private static String name(String body) {
        return body.substring(0, body.indexOf(':'));
    }

    /** Every ready message, taken with a manual ack (left unacked), as names. */
    private static List<String> getAll(MessageQueue queue) {
        List<String> names = new ArrayList<>();
        GetResult result;
        while (!(result = queue.get(CHANNEL, false).join()).isEmpty()) {
            names.add(name(body(result.delivery().orElseThrow())));
        }
        return names;
    }

    private static List<String> drainBodies(MessageQueue queue) {
        return drain(queue, new ArrayList<>()).stream().map(DiskFullTest::name).toList();
    }
}
