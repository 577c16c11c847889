package dev.ferry.stream;

import static dev.ferry.stream.StreamTestSupport.await;

import java.nio.file.Path;
import java.util.Map;

import dev.ferry.log.FileHandleCache;

/** A registry in a test's directory holding one topic of one partition, which can be closed and opened again. */
final class SinglePartitionTopic implements AutoCloseable {
    private final Path data;
    private final String name;
    private TopicRegistry registry;

    SinglePartitionTopic(Path data, String name) {
        this.data = data;
        this.name = name;
        this.registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2);
        await(registry.create(name, 1, Map.of()));
    }

    Partition partition() {
        return registry.topic(name).orElseThrow().partition(0);
    }

    /** Closes the registry (every partition closed cleanly) and opens it again: the partition as a restart finds it. */
    Partition reopen() {
        registry.close();
        registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2);
        return partition();
    }

    @Override
    public void close() {
        registry.close();
    }
}
