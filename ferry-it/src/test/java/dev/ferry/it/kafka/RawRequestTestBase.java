package dev.ferry.it.kafka;

import dev.ferry.it.support.RawKafkaClient;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * For classes that send raw requests a real client would not (refusal probes compared with Kafka):
 * a topic of two partitions of their own, one raw connection per test, and a group id or
 * transactional id of their own ({@link #key}) whose coordinator is found first when the class
 * names its kind ({@link #keyType}).
 */
abstract class RawRequestTestBase extends KafkaTestBase {
    protected RawKafkaClient raw;
    protected String topic;
    /** A group id or transactional id no other test uses. */
    protected String key;

    /** {@link #GROUP_KEY} or {@link #TRANSACTION_KEY} for a coordinator to wait for before each test; -1 for none. */
    protected byte keyType() {
        return -1;
    }

    @BeforeEach
    void connectWithATopic() throws Exception {
        String prefix = getClass().getSimpleName().toLowerCase(Locale.ROOT);
        topic = createUniqueTopic(prefix, 2);
        key = unique(prefix + "-key");
        raw = connectRaw();
        if (keyType() >= 0) {
            awaitCoordinator(raw, keyType(), key);
        }
    }

    @AfterEach
    void disconnect() throws Exception {
        raw.close();
    }
}
