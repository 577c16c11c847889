package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.SimulatedFileSystem;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.GetResult;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueSettings;

/**
 * What a deduplicating durable queue's store reads back at open: which ids come back (not a
 * paged transient copy's, not a nacked message's) and what the open reports.
 */
class LogMessageStoreDeduplicationTest {
    private static final QueueSettings SETTINGS = new QueueSettings("/", "q", true, OptionalLong.empty(), false,
            QueueArguments.parse(Map.of("x-message-deduplication", true), "queue 'q'"));
    private static final LogConfig CONFIG = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(64 * 1024)
            .batchBytesMax(16 * 1024).segmentDeleteDelayMs(0);

    @TempDir
    Path dataDir;
    private final List<MessageQueue> queues = new ArrayList<>();
    private LogFlusher flusher = new LogFlusher("test-flusher");
    private FileHandleCache files = new FileHandleCache(FileHandleCache.CAPACITY_MIN);

    @AfterEach
    void closeEverything() {
        for (MessageQueue queue : queues) {
            queue.closeStore().handle((ok, error) -> null).join();
        }
        flusher.close();
    }

    private MessageQueue openQueue(Path directory, PagingLimits limits) {
        LogMessageStore store = LogMessageStore.open(directory, CONFIG, flusher, files, Runnable::run, limits,
                "queue 'q'", 0, SETTINGS.arguments().deduplication().orElseThrow());
        MessageQueue queue = new MessageQueue(SETTINGS, store, Runnable::run, q -> { });
        queues.add(queue);
        return queue;
    }

    private static PublishConfirm publish(MessageQueue queue, String id, String body, int deliveryMode) {
        MessageProperties properties = new MessageProperties(null, null, null, deliveryMode, -1, null, null, null, id,
                null, null, null, null, null);
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(new Message("", "q", properties, body.getBytes(StandardCharsets.UTF_8)), confirm);
        return confirm;
    }

    private static List<String> drain(MessageQueue queue) {
        List<String> bodies = new ArrayList<>();
        GetResult result;
        while (!(result = queue.get(StoreTestSupport.CHANNEL, true).join()).isEmpty()) {
            bodies.add(new String(result.delivery().orElseThrow().message().body(), StandardCharsets.UTF_8));
        }
        return bodies;
    }

    private void close(MessageQueue queue) {
        queue.closeStore().join();
        queues.remove(queue);
    }

    @Test
    void aPagedTransientCopysIdDoesNotComeBackWithoutItsMessage() {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, new PagingLimits(2, 1024 * 1024));
        publish(queue, "a", "a", 2).accepted().join();
        publish(queue, "b", "b", 2).accepted().join();
        publish(queue, "t", "t", 1).accepted().join(); // paged: its record is a transient copy
        close(queue);

        MessageQueue reopened = openQueue(directory, new PagingLimits(2, 1024 * 1024));
        publish(reopened, "t", "t resent", 1).accepted().join();
        assertThat(drain(reopened)).as("t did not survive the restart, so its resend is new")
                .containsExactly("a", "b", "t resent");
    }

    @Test
    void anOpenReportsTheIdsItReadBackAndWhereFrom() {
        Path directory = dataDir.resolve("q");
        MessageQueue queue = openQueue(directory, PagingLimits.DEFAULTS);
        publish(queue, "a", "a", 2).accepted().join();
        publish(queue, "b", "b", 2).accepted().join();
        close(queue);
        try (LogCapture lines = new LogCapture(LogMessageStore.class)) {
            openQueue(directory, PagingLimits.DEFAULTS);
            assertThat(lines.lines(Level.INFO)).filteredOn(line -> line.contains("deduplication ids"))
                    .containsExactly("queue 'q': 2 deduplication ids read back (0 from records the journal did not cover)");
        }
    }

    @Test
    void theIdOfAMessageWhoseFsyncFailedStaysForgottenAfterARestart() {
        flusher.close();
        flusher = LogFlusher.manual();
        SimulatedFileSystem fileSystem = new SimulatedFileSystem();
        files = new FileHandleCache(FileHandleCache.CAPACITY_MIN, fileSystem);
        Path directory = Path.of("/simulated/q");
        MessageQueue queue = openQueue(directory, PagingLimits.DEFAULTS);
        PublishConfirm original = publish(queue, "x", "original", 2);
        fileSystem.failForces(1);
        flusher.doWork(0);
        fileSystem.failForces(0);
        assertThat(original.accepted()).isCompletedExceptionally();
        queue.maintainStore(); // reopens the log
        close(queue);

        MessageQueue reopened = openQueue(directory, PagingLimits.DEFAULTS);
        PublishConfirm resent = publish(reopened, "x", "resent after the restart", 2);
        flusher.doWork(0);
        assertThat(resent.accepted()).isCompleted();
        assertThat(drain(reopened)).containsExactly("resent after the restart");
    }
}
