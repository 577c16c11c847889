package dev.ferry.stream;

import static dev.ferry.stream.StreamTestSupport.syncUntilDone;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;

/**
 * AMQP publishes into a stream are bounded as a queue's mailbox is: with the fsyncs held (a manual
 * flusher), the stream reports congestion once {@link StreamQueues#BACKLOG_HIGH} appends wait, and
 * the fsync that stores them ends it.
 */
class StreamQueuesBacklogTest {
    @TempDir
    Path data;

    private final LogFlusher flusher = LogFlusher.manual();
    private TopicRegistry registry;
    private StreamQueues streams;

    @BeforeEach
    void open() {
        registry = TopicRegistry.open(data, flusher, FileHandleCache.processDefault(), 1);
        streams = new StreamQueues(registry, "/", null, () -> 1_000_000L);
        syncUntilDone(flusher, streams.declare("s", true, false, false, Map.of()));
    }

    @AfterEach
    void close() {
        registry.close();
        flusher.close();
    }

    @Test
    void shouldReportCongestionFromTheHighMarkUntilTheFsyncStoresTheBacklog() {
        assertThat(streams.congestion("s")).isNull();
        assertThat(streams.congestion("missing")).isNull();
        List<CompletableFuture<?>> appends = new ArrayList<>();
        Message message = new Message("", "k", MessageProperties.EMPTY, new byte[] {1});
        for (int i = 0; i < StreamQueues.BACKLOG_HIGH - 1; i++) {
            appends.add(streams.appendIfExists("s", message));
        }
        assertThat(streams.congestion("s")).isNull();

        appends.add(streams.appendIfExists("s", message));
        CompletableFuture<Void> congestion = streams.congestion("s");

        assertThat(congestion).isNotNull().isNotDone();
        assertThat(appends).noneMatch(CompletableFuture::isDone);
        syncUntilDone(flusher, CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)));
        assertThat(congestion).isDone();
        assertThat(streams.congestion("s")).isNull();
        assertThat(registry.topic("s").orElseThrow().partition(0).highWatermark()).isEqualTo(StreamQueues.BACKLOG_HIGH);
    }

    @Test
    void shouldGiveTwoDeclarationsInFlightAtOnceTheSameStream() {
        // The fsyncs held, the first declaration's topic is not recorded yet when the second comes.
        CompletableFuture<Topic> first = streams.declare("raced", true, false, false, Map.of());
        CompletableFuture<Topic> second = streams.declare("raced", true, false, false, Map.of());

        Topic topic = syncUntilDone(flusher, first);

        assertThat(syncUntilDone(flusher, second)).isSameAs(topic);
        assertThat(registry.topics()).extracting(Topic::name).containsOnlyOnce("raced");
    }
}
