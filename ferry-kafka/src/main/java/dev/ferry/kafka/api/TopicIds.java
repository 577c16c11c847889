package dev.ferry.kafka.api;

import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.common.Uuid;

/**
 * Topic ids between Ferry's {@link UUID} and Kafka's {@link Uuid} (same 128 bits), and the lookup
 * newer request versions need: by id when the request carries one (Produce v13+, Fetch v13+,
 * Metadata v10+), else by name.
 */
public final class TopicIds {
    private TopicIds() {
    }

    public static Uuid toKafka(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    public static UUID toFerry(Uuid id) {
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    /** The topic a request names: by id if it carries a non-zero one, else by name. */
    static Optional<Topic> find(TopicRegistry topics, String name, Uuid id) {
        if (id != null && !Uuid.ZERO_UUID.equals(id)) {
            return topics.topic(toFerry(id));
        }
        return name == null ? Optional.empty() : topics.topic(name);
    }

    /** Whether the request addresses topics by id (then unknown ones are UNKNOWN_TOPIC_ID). */
    static boolean byId(Uuid id) {
        return id != null && !Uuid.ZERO_UUID.equals(id);
    }
}
