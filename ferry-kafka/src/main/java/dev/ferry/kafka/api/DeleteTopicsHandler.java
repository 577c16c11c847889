package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DeleteTopics: by name (v1-5) or by name or id (v6+), each through {@link TopicRegistry#delete},
 * answered once the deletion is recorded durably.
 */
public final class DeleteTopicsHandler implements ApiHandler {
    private final TopicRegistry topics;
    private final KafkaAcls acls;

    public DeleteTopicsHandler(TopicRegistry topics) {
        this(topics, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: deleting needs DELETE on the topic, else TOPIC_AUTHORIZATION_FAILED. */
    public DeleteTopicsHandler(TopicRegistry topics, KafkaAcls acls) {
        this.topics = topics;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_TOPICS;
    }

    @Override
    public short oldestVersion() {
        return 1;
    }

    @Override
    public short latestVersion() {
        return 6;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        DeleteTopicsRequestData data = (DeleteTopicsRequestData) request;
        List<DeleteTopicState> requested = new ArrayList<>(data.topics());
        for (String name : data.topicNames()) {
            requested.add(new DeleteTopicState().setName(name).setTopicId(Uuid.ZERO_UUID));
        }
        DeleteTopicsResponseData response = new DeleteTopicsResponseData();
        List<CompletableFuture<?>> deletions = new ArrayList<>();
        for (DeleteTopicState state : requested) {
            DeletableTopicResult result = new DeletableTopicResult().setName(state.name()).setTopicId(state.topicId());
            response.responses().add(result);
            if (state.name() != null && TopicIds.byId(state.topicId())) {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("You may not specify both topic name and topic id.");
                continue;
            }
            Optional<Topic> topic = TopicIds.find(topics, state.name(), state.topicId());
            String name = topic.map(Topic::name).orElse(state.name());
            if (name != null && !acls.allowed(context, Operation.DELETE, ResourceType.TOPIC, name)) {
                result.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                        .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message());
                continue;
            }
            if (topic.isEmpty()) {
                Errors error = TopicIds.byId(state.topicId()) ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                result.setErrorCode(error.code()).setErrorMessage(error.message());
                continue;
            }
            result.setName(topic.get().name()).setTopicId(TopicIds.toKafka(topic.get().id()));
            CompletableFuture<Void> deleted;
            try {
                deleted = topics.delete(topic.get().name());
            } catch (RuntimeException e) {
                deleted = CompletableFuture.failedFuture(e);
            }
            deletions.add(deleted.handle((ignored, error) -> {
                if (error != null) {
                    result.setErrorCode(KafkaErrors.of(error).code()).setErrorMessage(KafkaErrors.message(error));
                }
                return null;
            }));
        }
        return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new)).thenApply(ignored -> response);
    }
}
