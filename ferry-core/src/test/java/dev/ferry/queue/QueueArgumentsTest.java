package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ferry.error.BrokerException;

/**
 * The checks and fallbacks of a declaration's x-arguments, without a broker: what is refused (406,
 * naming the argument as RabbitMQ does), where the bounds lie, and what a quorum queue makes of
 * arguments it cannot honour.
 */
class QueueArgumentsTest {
    private static final String QUEUE = "queue 'q' in vhost '/'";

    private static Map<String, Object> args(Object... pairs) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }

    private static QueueArguments parse(Object... pairs) {
        return QueueArguments.parse(args(pairs), QUEUE);
    }

    private static void assertRefused(String expectedText, Object... pairs) {
        assertThatThrownBy(() -> parse(pairs)).isInstanceOf(BrokerException.class)
                .hasMessageContaining("PRECONDITION_FAILED - invalid arg '" + pairs[pairs.length - 2] + "' for " + QUEUE)
                .hasMessageContaining(expectedText);
    }

    @Test
    void shouldRefuseUnknownQueueTypesAndSendStreamsToKafka() {
        assertThatThrownBy(() -> parse("x-queue-type", "lazy")).isInstanceOf(BrokerException.class)
                .hasMessageContaining("unsupported queue type 'lazy'");
        assertThatThrownBy(() -> parse("x-queue-type", "stream")).isInstanceOf(BrokerException.class)
                .hasMessageContaining("a stream is a Kafka topic");
        assertThat(parse("x-queue-type", "quorum").queueType()).isEqualTo(QueueType.QUORUM);
    }

    @Test
    void shouldRefuseAnArgumentOfAnotherQueueType() {
        assertThatThrownBy(() -> parse("x-dead-letter-strategy", "at-most-once")).isInstanceOf(BrokerException.class)
                .hasMessageContaining("invalid arg 'x-dead-letter-strategy'").hasMessageContaining("rabbit_classic_queue");
    }

    @Test
    void shouldRefuseBadValuesNamingTheArgument() {
        assertRefused("invalid_overflow", "x-overflow", "drop-tail");
        assertRefused("routing_key_but_no_dlx_defined", "x-dead-letter-routing-key", "parked");
        assertRefused("invalid_dlx_strategy", "x-queue-type", "quorum", "x-dead-letter-strategy", "sometimes");
        assertRefused("invalid_queue_locator_arg", "x-queue-type", "quorum", "x-queue-leader-locator", "nearest");
        assertRefused("{value_zero,0}", "x-expires", 0);
        assertRefused("{value_negative,-1}", "x-message-ttl", -1);
        assertRefused("\"expected integer, got longstr\"", "x-max-length", "ten");
        assertRefused("\"an empty header name\"", "x-deduplication-header-name", "");
        assertRefused("{value_too_large,315360000001}", "x-message-ttl", 315_360_000_001L);
        assertRefused("{value_too_large,315360000001}", "x-expires", 315_360_000_001L);
        assertThat(parse("x-message-ttl", 315_360_000_000L).messageTtlMs()).hasValue(315_360_000_000L);
    }

    @Test
    void shouldCheckTheClassicQueueModeAndVersionAsRabbitMq310Does() {
        // Texts as RabbitMQ 3.10 answers them (checked with pika); the values are accepted and have no effect.
        assertThat(parse("x-queue-mode", "lazy").raw()).containsEntry("x-queue-mode", "lazy");
        assertThat(parse("x-queue-mode", "default").raw()).containsEntry("x-queue-mode", "default");
        assertRefused("\"unsupported queue mode 'fast'\"", "x-queue-mode", "fast");
        assertRefused("{unacceptable_type,signedint}", "x-queue-mode", 5);
        assertThat(parse("x-queue-version", 1).raw()).containsEntry("x-queue-version", 1);
        assertThat(parse("x-queue-version", 2).raw()).containsEntry("x-queue-version", 2);
        assertRefused("\"unsupported queue version '0'\"", "x-queue-version", 0);
        assertRefused("\"unsupported queue version '3'\"", "x-queue-version", 3);
        assertRefused("{value_negative,-1}", "x-queue-version", -1);
        assertRefused("\"expected integer, got longstr\"", "x-queue-version", "2");
    }

    @Test
    void shouldNameADeadLetterExchangeOfTheWrongTypeAsRabbitMqDoes() {
        assertThatThrownBy(() -> parse("x-dead-letter-exchange", 5)).isInstanceOf(BrokerException.class)
                .hasMessage("PRECONDITION_FAILED - invalid type 'signedint' for arg 'x-dead-letter-exchange' in " + QUEUE);
        assertThatThrownBy(() -> parse("x-dead-letter-exchange", true)).isInstanceOf(BrokerException.class)
                .hasMessage("PRECONDITION_FAILED - invalid type 'bool' for arg 'x-dead-letter-exchange' in " + QUEUE);
        assertRefused("{unacceptable_type,signedint}", "x-dead-letter-exchange", "dlx", "x-dead-letter-routing-key", 5);
        assertThat(parse("x-dead-letter-exchange", "").deadLetterExchange()).contains("");
    }

    @Test
    void shouldRefuseAVoidWhereAnIntegerIsExpected() {
        Map<String, Object> declared = new HashMap<>();
        declared.put("x-max-length", null);
        assertThatThrownBy(() -> QueueArguments.parse(declared, QUEUE)).isInstanceOf(BrokerException.class)
                .hasMessageContaining("invalid arg 'x-max-length'").hasMessageContaining("expected integer, got void");
    }

    @Test
    void shouldAcceptValuesAtTheirBounds() {
        assertThat(parse("x-max-priority", 255).maxPriority()).hasValue(255);
        assertRefused("{max_value_exceeded,256}", "x-max-priority", 256);
        assertThat(parse("x-message-ttl", 0).messageTtlMs()).hasValue(0);
        assertThat(parse("x-expires", 1).expiresMs()).hasValue(1);
        assertThat(parse("x-message-deduplication", true, "x-cache-size", DeduplicationSettings.MAX_CACHE_SIZE)
                .deduplication().orElseThrow().cacheSize()).isEqualTo(DeduplicationSettings.MAX_CACHE_SIZE);
        assertRefused("at most " + DeduplicationSettings.MAX_CACHE_SIZE, "x-message-deduplication", true,
                "x-cache-size", DeduplicationSettings.MAX_CACHE_SIZE + 1);
        assertThat(parse("x-queue-type", "quorum", "x-queue-leader-locator", "balanced").queueType())
                .isEqualTo(QueueType.QUORUM);
    }

    @Test
    void shouldNotDeduplicateUnlessAskedButCheckTheOtherArgumentsAnyway() {
        assertThat(parse("x-cache-size", 10).deduplication()).isEmpty();
        assertThat(parse("x-message-deduplication", false).deduplication()).isEmpty();
        DeduplicationSettings settings = parse("x-message-deduplication", true, "x-deduplication-header-name", "id")
                .deduplication().orElseThrow();
        assertThat(settings.headerName()).isEqualTo("id");
        assertThat(settings.cacheSize()).isEqualTo(DeduplicationSettings.DEFAULT_CACHE_SIZE);
    }

    @Test
    void shouldFallBackWhereAQuorumQueueCannotHonourAnArgument() {
        QueueArguments dlxOverflow = parse("x-queue-type", "quorum", "x-overflow", "reject-publish-dlx");
        assertThat(dlxOverflow.overflow()).isEqualTo(Overflow.DROP_HEAD);
        assertThat(dlxOverflow.fallbacks()).singleElement().asString().contains("reject-publish-dlx");
        assertThat(parse("x-overflow", "reject-publish-dlx").overflow()).as("a classic queue honours it")
                .isEqualTo(Overflow.REJECT_PUBLISH_DLX);

        QueueArguments noDlx = parse("x-queue-type", "quorum", "x-dead-letter-strategy", "at-least-once",
                "x-overflow", "reject-publish");
        assertThat(noDlx.deadLetterStrategy()).isEqualTo(DeadLetterStrategy.AT_MOST_ONCE);
        assertThat(noDlx.fallbacks()).singleElement().asString().contains("without x-dead-letter-exchange");

        QueueArguments dropHead = parse("x-queue-type", "quorum", "x-dead-letter-strategy", "at-least-once",
                "x-dead-letter-exchange", "dlx");
        assertThat(dropHead.deadLetterStrategy()).isEqualTo(DeadLetterStrategy.AT_MOST_ONCE);
        assertThat(dropHead.fallbacks()).singleElement().asString().contains("not drop-head");

        QueueArguments honoured = parse("x-queue-type", "quorum", "x-dead-letter-strategy", "at-least-once",
                "x-dead-letter-exchange", "dlx", "x-overflow", "reject-publish");
        assertThat(honoured.deadLetterStrategy()).isEqualTo(DeadLetterStrategy.AT_LEAST_ONCE);
        assertThat(honoured.fallbacks()).isEmpty();
    }

    @Test
    void shouldGiveAQuorumQueueADeliveryLimitUnlessSetNegative() {
        assertThat(parse("x-queue-type", "quorum").deliveryLimit()).hasValue(QueueType.QUORUM_DEFAULT_DELIVERY_LIMIT);
        assertThat(parse("x-queue-type", "quorum", "x-delivery-limit", -1).deliveryLimit()).isEmpty();
        assertThat(parse("x-queue-type", "quorum", "x-delivery-limit", 0).deliveryLimit()).hasValue(0);
        assertThat(parse().deliveryLimit()).isEmpty();
        assertThat(parse("x-retry-delays", List.of(5, 10)).retryDelaysMs()).containsExactly(5L, 10L);
    }
}
