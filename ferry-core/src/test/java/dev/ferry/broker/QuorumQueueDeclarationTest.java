package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.queue.DeadLetterStrategy;
import dev.ferry.queue.Overflow;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueType;

/** x-queue-type at the virtual host: quorum rules, texts as RabbitMQ 3.10 words them, effective settings. */
class QuorumQueueDeclarationTest {
    private static final long CONNECTION = 1;

    private final VirtualHost vhost = new VirtualHost("/", () -> Runnable::run);

    private static Map<String, Object> quorum(Object... keysAndValues) {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("x-queue-type", "quorum");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            arguments.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return arguments;
    }

    private QueueArguments declare(String name, Map<String, Object> arguments) {
        vhost.declareQueue(new QueueDeclaration(name, true, false, false, arguments, CONNECTION));
        return vhost.queue(name).orElseThrow().settings().arguments();
    }

    private void assertRefused(QueueDeclaration declaration, String text) {
        assertThatThrownBy(() -> vhost.declareQueue(declaration))
                .isInstanceOf(BrokerException.class)
                .hasMessage(text)
                .satisfies(e -> assertThat(((BrokerException) e).errorCode()).isEqualTo(ErrorCode.PRECONDITION_FAILED));
        assertThat(vhost.queue(declaration.name())).as("nothing declared").isEmpty();
    }

    @Test
    void shouldRefuseQuorumQueuesThatAreNotDurableSharedAndClientNamed() {
        assertRefused(new QueueDeclaration("q", false, false, false, quorum(), CONNECTION),
                "PRECONDITION_FAILED - invalid property 'non-durable' for queue 'q' in vhost '/'");
        assertRefused(new QueueDeclaration("q", true, true, false, quorum(), CONNECTION),
                "PRECONDITION_FAILED - invalid property 'exclusive-owner' for queue 'q' in vhost '/'");
        assertRefused(new QueueDeclaration("q", true, false, true, quorum(), CONNECTION),
                "PRECONDITION_FAILED - invalid property 'auto-delete' for queue 'q' in vhost '/'");
        // RabbitMQ names auto-delete first when several are wrong.
        assertRefused(new QueueDeclaration("q", false, true, true, quorum(), CONNECTION),
                "PRECONDITION_FAILED - invalid property 'auto-delete' for queue 'q' in vhost '/'");
        assertThatThrownBy(() -> vhost.declareQueue(new QueueDeclaration("", true, false, false, quorum(), CONNECTION)))
                .hasMessage("PRECONDITION_FAILED - Cannot declare a server-named queue for type rabbit_quorum_queue");
        assertThat(vhost.queues()).isEmpty();
    }

    @Test
    void shouldRefuseArgumentsOfOtherQueueTypesAndUnknownTypes() {
        for (String key : List.of("x-max-priority", "x-queue-mode", "x-queue-version", "x-queue-master-locator",
                "x-max-age", "x-stream-max-segment-size-bytes", "x-initial-cluster-size")) {
            assertRefused(new QueueDeclaration("q", true, false, false, quorum(key, 5), CONNECTION),
                    "PRECONDITION_FAILED - invalid arg '" + key + "' for queue 'q' in vhost '/' of queue type rabbit_quorum_queue");
        }
        for (String key : List.of("x-dead-letter-strategy", "x-quorum-initial-group-size", "x-queue-leader-locator")) {
            assertRefused(new QueueDeclaration("q", true, false, false, Map.of(key, "x"), CONNECTION),
                    "PRECONDITION_FAILED - invalid arg '" + key + "' for queue 'q' in vhost '/' of queue type rabbit_classic_queue");
        }
        assertRefused(new QueueDeclaration("q", true, false, false, Map.of("x-queue-type", "foo"), CONNECTION),
                "PRECONDITION_FAILED - invalid arg 'x-queue-type' for queue 'q' in vhost '/': \"unsupported queue type 'foo'\"");
        assertRefused(new QueueDeclaration("q", true, false, false, Map.of("x-queue-type", "stream"), CONNECTION),
                "PRECONDITION_FAILED - invalid arg 'x-queue-type' for queue 'q' in vhost '/': a stream is a Kafka"
                        + " topic, declared through the stream queues of the virtual host");
        assertRefused(new QueueDeclaration("q", true, false, false, quorum("x-dead-letter-strategy", "sometimes"), CONNECTION),
                "PRECONDITION_FAILED - invalid arg 'x-dead-letter-strategy' for queue 'q' in vhost '/': invalid_dlx_strategy");
        assertRefused(new QueueDeclaration("q", true, false, false, quorum("x-dead-letter-strategy", 5), CONNECTION),
                "PRECONDITION_FAILED - invalid arg 'x-dead-letter-strategy' for queue 'q' in vhost '/': {unacceptable_type,signedint}");
        assertRefused(new QueueDeclaration("q", true, false, false, quorum("x-quorum-initial-group-size", "x"), CONNECTION),
                "PRECONDITION_FAILED - invalid arg 'x-quorum-initial-group-size' for queue 'q' in vhost '/':"
                        + " \"expected integer, got longstr\"");
        assertRefused(new QueueDeclaration("q", true, false, false, quorum("x-quorum-initial-group-size", 0), CONNECTION),
                "PRECONDITION_FAILED - invalid arg 'x-quorum-initial-group-size' for queue 'q' in vhost '/': {value_zero,0}");
        assertRefused(new QueueDeclaration("q", true, false, false, quorum("x-queue-leader-locator", "nearest"), CONNECTION),
                "PRECONDITION_FAILED - invalid arg 'x-queue-leader-locator' for queue 'q' in vhost '/': invalid_queue_locator_arg");
    }

    @Test
    void shouldGiveQuorumQueuesRabbitMq4sDefaultDeliveryLimitUnlessSetOrDisabled() {
        QueueArguments byDefault = declare("default", quorum());
        assertThat(byDefault.queueType()).isEqualTo(QueueType.QUORUM);
        assertThat(byDefault.deliveryLimit()).hasValue(20);
        assertThat(byDefault.raw()).doesNotContainKey("x-delivery-limit"); // what was sent is what is compared and stored
        assertThat(declare("five", quorum("x-delivery-limit", 5)).deliveryLimit()).hasValue(5);
        assertThat(declare("unlimited", quorum("x-delivery-limit", -1)).deliveryLimit()).isEmpty();
        assertThat(declare("classic", Map.of()).deliveryLimit()).isEmpty();
        assertThat(declare("classic-explicit", Map.of("x-queue-type", "classic")).queueType()).isEqualTo(QueueType.CLASSIC);
    }

    @Test
    void shouldFallBackToAtMostOnceUnlessOverflowRejectsPublishes() {
        QueueArguments atLeastOnce = declare("alo", quorum("x-dead-letter-strategy", "at-least-once",
                "x-overflow", "reject-publish", "x-dead-letter-exchange", "dlx"));
        assertThat(atLeastOnce.deadLetterStrategy()).isEqualTo(DeadLetterStrategy.AT_LEAST_ONCE);
        assertThat(atLeastOnce.fallbacks()).isEmpty();

        QueueArguments dropHead = declare("drop-head", quorum("x-dead-letter-strategy", "at-least-once",
                "x-dead-letter-exchange", "dlx"));
        assertThat(dropHead.deadLetterStrategy()).isEqualTo(DeadLetterStrategy.AT_MOST_ONCE);
        assertThat(dropHead.fallbacks()).singleElement().asString().contains("needs x-overflow reject-publish");

        QueueArguments noExchange = declare("no-dlx", quorum("x-dead-letter-strategy", "at-least-once",
                "x-overflow", "reject-publish"));
        assertThat(noExchange.deadLetterStrategy()).isEqualTo(DeadLetterStrategy.AT_MOST_ONCE);

        QueueArguments dlxOverflow = declare("rpd", quorum("x-overflow", "reject-publish-dlx"));
        assertThat(dlxOverflow.overflow()).isEqualTo(Overflow.DROP_HEAD);
        assertThat(dlxOverflow.fallbacks()).singleElement().asString().contains("reject-publish-dlx");
    }

    @Test
    void shouldCompareTheEffectiveQueueTypeOnRedeclare() {
        declare("plain", quorum());
        assertRefusedForExisting(new QueueDeclaration("plain", true, false, false, Map.of("x-queue-type", "classic"), CONNECTION),
                "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'plain' in vhost '/': received 'classic'"
                        + " but current is 'quorum'");
        assertRefusedForExisting(new QueueDeclaration("plain", true, false, false, Map.of(), CONNECTION),
                "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'plain' in vhost '/': received none"
                        + " but current is the value 'quorum' of type 'longstr'");
        declare("qq", quorum("x-dead-letter-strategy", "at-most-once", "x-delivery-limit", 5));
        assertRefusedForExisting(new QueueDeclaration("qq", false, false, false,
                quorum("x-dead-letter-strategy", "at-most-once", "x-delivery-limit", 5), CONNECTION),
                "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'qq' in vhost '/': received 'false' but current is 'true'");
        assertRefusedForExisting(new QueueDeclaration("qq", true, false, false,
                quorum("x-dead-letter-strategy", "at-least-once", "x-delivery-limit", 5), CONNECTION),
                "PRECONDITION_FAILED - inequivalent arg 'x-dead-letter-strategy' for queue 'qq' in vhost '/': received"
                        + " 'at-least-once' but current is 'at-most-once'");
        assertRefusedForExisting(new QueueDeclaration("qq", true, false, false,
                quorum("x-dead-letter-strategy", "at-most-once", "x-delivery-limit", 6L), CONNECTION),
                "PRECONDITION_FAILED - inequivalent arg 'x-delivery-limit' for queue 'qq' in vhost '/': received '6'"
                        + " but current is '5'");
        vhost.declareQueue(new QueueDeclaration("qq", true, false, false,
                quorum("x-dead-letter-strategy", "at-most-once", "x-delivery-limit", 5L), CONNECTION));

        declare("cq", Map.of());
        vhost.declareQueue(new QueueDeclaration("cq", true, false, false, Map.of("x-queue-type", "classic"), CONNECTION));
        assertRefusedForExisting(new QueueDeclaration("cq", true, false, false, quorum(), CONNECTION),
                "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'cq' in vhost '/': received the value"
                        + " 'quorum' of type 'longstr' but current is none");
    }

    private void assertRefusedForExisting(QueueDeclaration declaration, String text) {
        assertThatThrownBy(() -> vhost.declareQueue(declaration)).isInstanceOf(BrokerException.class).hasMessage(text);
        assertThat(vhost.queue(declaration.name())).as("still there").isPresent();
    }
}
