package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.broker.MetadataRecord;
import dev.ferry.log.LogFlusher;
import dev.ferry.route.Binding;
import dev.ferry.route.Destination;
import dev.ferry.route.ExchangeSettings;
import dev.ferry.route.ExchangeType;

class MetadataLogTest {
    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");

    @AfterEach
    void stopFlusher() {
        flusher.close();
    }

    private static final ExchangeSettings EVENTS = new ExchangeSettings("events", ExchangeType.TOPIC, true, false,
            false, Map.of("alternate-exchange", "unrouted"));
    private static final ExchangeSettings OTHER = new ExchangeSettings("other", ExchangeType.FANOUT, true, false,
            false, Map.of());

    private static Map<String, Object> queueArguments() {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("x-message-ttl", 60_000);
        arguments.put("x-dead-letter-exchange", "dlx");
        arguments.put("x-retry-delays", List.of(100L, 200L));
        return arguments;
    }

    @Test
    void replayFoldsDeletionsWithTheirCascades() {
        Binding toQueue = new Binding("events", Destination.queue("orders"), "order.#");
        Binding toOther = new Binding("events", Destination.exchange("other"), "#");
        Binding otherToQueue = new Binding("other", Destination.queue("orders"), "");
        MetadataReplay replay = new MetadataReplay();
        replay.apply(new MetadataRecord.ExchangeDeclared("/", EVENTS));
        replay.apply(new MetadataRecord.ExchangeDeclared("/", OTHER));
        replay.apply(new MetadataRecord.QueueDeclared("/", "orders", false, queueArguments()));
        replay.apply(new MetadataRecord.QueueDeclared("/", "gone", false, Map.of()));
        replay.apply(new MetadataRecord.BindingAdded("/", toQueue));
        replay.apply(new MetadataRecord.BindingAdded("/", toOther));
        replay.apply(new MetadataRecord.BindingAdded("/", otherToQueue));
        replay.apply(new MetadataRecord.BindingAdded("/", new Binding("events", Destination.queue("gone"), "x")));
        replay.apply(new MetadataRecord.QueueDeleted("/", "gone"));
        replay.apply(new MetadataRecord.ExchangeDeleted("/", "other"));
        replay.apply(new MetadataRecord.BindingRemoved("/", toQueue));
        replay.apply(new MetadataRecord.BindingAdded("/", toQueue));
        // Same names in another virtual host are other things.
        replay.apply(new MetadataRecord.ExchangeDeclared("v2", EVENTS));
        assertThat(replay.live()).containsExactly(
                new MetadataRecord.ExchangeDeclared("/", EVENTS),
                new MetadataRecord.ExchangeDeclared("v2", EVENTS),
                new MetadataRecord.QueueDeclared("/", "orders", false, queueArguments()),
                new MetadataRecord.BindingAdded("/", toQueue));
    }

    @Test
    void recordsSurviveReopeningAndCompactionKeepsOnlyWhatStands() throws Exception {
        Path directory = dataDir.resolve("metadata");
        Binding headersBinding = new Binding("events", Destination.queue("orders"), "",
                new LinkedHashMap<>(Map.of("x-match", "any", "present", Binding.VoidValue.INSTANCE)));
        try (MetadataLog log = MetadataLog.open(directory, flusher)) {
            assertThat(log.recovered()).isEmpty();
            log.append(new MetadataRecord.ExchangeDeclared("/", EVENTS));
            log.append(new MetadataRecord.QueueDeclared("/", "orders", true, queueArguments()));
            log.append(new MetadataRecord.BindingAdded("/", headersBinding));
            for (int i = 0; i < 50; i++) {
                log.append(new MetadataRecord.QueueDeclared("/", "temp" + i, false, Map.of()));
                log.append(new MetadataRecord.QueueDeleted("/", "temp" + i));
            }
        }
        List<MetadataRecord> expected = List.of(
                new MetadataRecord.ExchangeDeclared("/", EVENTS),
                new MetadataRecord.QueueDeclared("/", "orders", true, queueArguments()),
                new MetadataRecord.BindingAdded("/", headersBinding));
        try (MetadataLog log = MetadataLog.open(directory, flusher)) {
            assertThat(log.recovered()).isEqualTo(expected);
            log.compact(log.recovered());
        }
        try (MetadataLog log = MetadataLog.open(directory, flusher)) {
            assertThat(log.recovered()).isEqualTo(expected);
        }
        assertThat(Files.exists(dataDir.resolve("metadata.old"))).isFalse();
        assertThat(Files.exists(dataDir.resolve("metadata.new"))).isFalse();
    }

    @Test
    void aCompactionInterruptedBetweenItsRenamesIsRolledBack() throws Exception {
        Path directory = dataDir.resolve("metadata");
        try (MetadataLog log = MetadataLog.open(directory, flusher)) {
            log.append(new MetadataRecord.ExchangeDeclared("/", EVENTS));
        }
        // As if the broker died after "metadata -> metadata.old", before "metadata.new -> metadata".
        Files.move(directory, dataDir.resolve("metadata.old"));
        Files.createDirectories(dataDir.resolve("metadata.new"));
        try (MetadataLog log = MetadataLog.open(directory, flusher)) {
            assertThat(log.recovered()).containsExactly(new MetadataRecord.ExchangeDeclared("/", EVENTS));
        }
    }
}
