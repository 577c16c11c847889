package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Partition;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopic;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeLogDirs: one log dir, the broker's data directory, with each partition's size on disk
 * and an offset lag of 0 (there is no future replica to catch up). Requested topics that do not
 * exist are left out, as Kafka does. v4+ reports the file system's total and usable bytes; v5's
 * cordoned flag is always false.
 */
public final class DescribeLogDirsHandler implements ApiHandler {
    private final TopicRegistry topics;
    private final Path logDirectory;
    private final KafkaAcls acls;

    public DescribeLogDirsHandler(TopicRegistry topics, Path logDirectory) {
        this(topics, logDirectory, KafkaAcls.ALLOW_ALL);
    }

    /**
     * With ACLs, as Kafka: without DESCRIBE on the cluster the answer lists no log dir and carries
     * CLUSTER_AUTHORIZATION_FAILED (from v3, the first version with a top-level error).
     */
    public DescribeLogDirsHandler(TopicRegistry topics, Path logDirectory, KafkaAcls acls) {
        this.topics = topics;
        this.logDirectory = logDirectory;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_LOG_DIRS;
    }

    @Override
    public short oldestVersion() {
        return 1;
    }

    @Override
    public short latestVersion() {
        return 5;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        DescribeLogDirsRequestData data = (DescribeLogDirsRequestData) request;
        if (!acls.allowedOnCluster(context, Operation.DESCRIBE)) {
            return CompletableFuture.completedFuture(new DescribeLogDirsResponseData()
                    .setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code()));
        }
        Path directory = logDirectory.toAbsolutePath();
        DescribeLogDirsResult dir = new DescribeLogDirsResult().setLogDir(directory.toString())
                .setErrorCode(Errors.NONE.code());
        if (data.topics() == null) {
            topics.topics().stream().sorted(Comparator.comparing(Topic::name))
                    .forEach(topic -> dir.topics().add(describe(topic, null)));
        } else {
            for (DescribableLogDirTopic requested : data.topics()) {
                Optional<Topic> topic = topics.topic(requested.topic());
                topic.ifPresent(t -> dir.topics().add(describe(t, requested.partitions())));
            }
        }
        if (context.apiVersion() >= 4) {
            try {
                FileStore store = Files.getFileStore(directory);
                dir.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
            } catch (IOException e) {
                dir.setTotalBytes(-1).setUsableBytes(-1);
            }
        }
        return CompletableFuture.completedFuture(new DescribeLogDirsResponseData().setResults(List.of(dir)));
    }

    private static DescribeLogDirsTopic describe(Topic topic, List<Integer> wanted) {
        List<DescribeLogDirsPartition> partitions = new ArrayList<>();
        for (Partition partition : topic.partitions()) {
            if (wanted == null || wanted.contains(partition.index())) {
                partitions.add(new DescribeLogDirsPartition().setPartitionIndex(partition.index())
                        .setPartitionSize(partition.sizeInBytes()).setOffsetLag(0).setIsFutureKey(false));
            }
        }
        return new DescribeLogDirsTopic().setName(topic.name()).setPartitions(partitions);
    }
}
