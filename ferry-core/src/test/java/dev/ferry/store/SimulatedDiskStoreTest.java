package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.SimulatedFileSystem;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.GetResult;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;

/**
 * The bugs {@link QueueStoreFaultSimulationTest} found, each replayed by hand on the same
 * {@link SimulatedFileSystem}: a durable queue's store on a real {@link dev.ferry.log.Log} whose
 * file system fails an fsync or fills up when the test says, with a manual flusher, so the test
 * decides when appends become durable.
 */
class SimulatedDiskStoreTest {
    private static final Path DIRECTORY = Path.of("/simulated/queues/%2F/q");
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);
    private static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);
    private static final MessageProperties TRANSIENT = new MessageProperties(null, null, null, 1, -1, null, null,
            null, null, null, null, null, null, null);
    private static final QueueSettings SETTINGS = new QueueSettings("/", "q", true, OptionalLong.empty(), false,
            QueueArguments.NONE);

    private final SimulatedFileSystem fileSystem = new SimulatedFileSystem();
    private final LogFlusher flusher = LogFlusher.manual();
    private final List<MessageQueue> queues = new ArrayList<>();

    @AfterEach
    void closeQueues() {
        fileSystem.failForces(0);
        fileSystem.unlimitSpace();
        for (MessageQueue queue : queues) {
            queue.closeStore().handle((ok, error) -> null).join();
        }
    }

    private MessageQueue openQueue(PagingLimits limits) {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(64 * 1024)
                .batchBytesMax(16 * 1024).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.open(DIRECTORY, config, flusher,
                new FileHandleCache(FileHandleCache.CAPACITY_MIN, fileSystem), Runnable::run, limits, "queue 'q'");
        MessageQueue queue = new MessageQueue(SETTINGS, store, Runnable::run, q -> { });
        queues.add(queue);
        return queue;
    }

    private static PublishConfirm publish(MessageQueue queue, String body) {
        return publish(queue, body, PERSISTENT);
    }

    private static PublishConfirm publish(MessageQueue queue, String body, MessageProperties properties) {
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(new Message("", "q", properties, body.getBytes(StandardCharsets.UTF_8)), confirm);
        return confirm;
    }

    private static String get(MessageQueue queue) {
        GetResult result = queue.get(CHANNEL, false).join();
        return result.isEmpty() ? null
                : new String(result.delivery().orElseThrow().message().body(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldNotDeliverAPagedInMessageWhoseFsyncFailed() {
        // Two messages in memory, the rest paged out; nothing fsynced yet.
        MessageQueue queue = openQueue(new PagingLimits(2, 1024 * 1024));
        List<PublishConfirm> confirms = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            confirms.add(publish(queue, "m" + i));
        }
        // Taking the two in memory reads the paged ones back: copies decoded from their records.
        assertThat(get(queue)).isEqualTo("m0");
        assertThat(get(queue)).isEqualTo("m1");

        fileSystem.failForces(1);
        flusher.doWork(0);

        assertThat(confirms).allSatisfy(confirm -> assertThat(confirm.accepted()).isCompletedExceptionally());
        assertThat(get(queue)).as("a message whose publisher was nacked, delivered").isNull();
    }

    @Test
    void shouldNotDeliverAPagedInMessageWhoseFsyncFailedWhenTheReopenedLogGivesItsOffsetAway() {
        MessageQueue queue = openQueue(new PagingLimits(2, 1024 * 1024));
        List<PublishConfirm> confirms = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            confirms.add(publish(queue, "m" + i));
        }
        assertThat(get(queue)).isEqualTo("m0");
        assertThat(get(queue)).isEqualTo("m1");
        fileSystem.failForces(1);
        flusher.doWork(0);
        fileSystem.failForces(0);

        // The failed log is closed (which cuts the failed appends' records) and opened again,
        // shorter: the offsets of m2 and m3 go to the next records.
        queue.maintainStore();
        PublishConfirm next = publish(queue, "m4");
        flusher.doWork(0);

        assertThat(confirms).allSatisfy(confirm -> assertThat(confirm.accepted()).isCompletedExceptionally());
        assertThat(next.accepted()).isCompleted();
        assertThat(get(queue)).as("the first message delivered after the failure").isEqualTo("m4");
    }

    @Test
    void shouldTakeNewMessagesAfterOneMaintenanceOnceAFailedFsyncCoveredOnlyPagedTransientRecords() {
        MessageQueue queue = openQueue(new PagingLimits(2, 1024 * 1024));
        publish(queue, "m0");
        publish(queue, "m1");
        flusher.doWork(0);
        // Memory is full: a transient message goes to the log, confirmed once written.
        PublishConfirm pagedTransient = publish(queue, "t0", TRANSIENT);
        assertThat(pagedTransient.accepted()).isCompleted();
        fileSystem.failForces(1);
        flusher.doWork(0); // the fsync covering only that record fails: the log refuses appends now

        fileSystem.failForces(0); // the disk is healthy again
        queue.maintainStore();
        PublishConfirm next = publish(queue, "m2");
        flusher.doWork(0);

        assertThat(next.accepted()).as("the first message after the fault: %s", next.accepted()).isCompleted();
    }
}
