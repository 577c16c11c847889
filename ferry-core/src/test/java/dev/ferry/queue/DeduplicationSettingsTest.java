package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import dev.ferry.error.BrokerException;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;

/** Which arguments turn deduplication on, their defaults and checks, and which id a message is deduplicated by. */
class DeduplicationSettingsTest {

    private static DeduplicationSettings parse(Map<String, Object> arguments) {
        return QueueArguments.parse(arguments, "queue 'q' in vhost '/'").deduplication().orElseThrow();
    }

    private static Message message(Map<String, Object> headers, String messageId) {
        return new Message("", "q", new MessageProperties(null, null, headers, 2, -1, null, null, null, messageId,
                null, null, null, null, null), new byte[0]);
    }

    @Test
    void shouldBeOffUnlessTheFlagIsTrue() {
        assertThat(QueueArguments.parse(Map.of(), "q").deduplication()).isEmpty();
        assertThat(QueueArguments.parse(Map.of("x-message-deduplication", false, "x-cache-size", 5), "q")
                .deduplication()).isEmpty();
    }

    @Test
    void shouldDefaultToAWindowByCountOnThePluginsHeader() {
        DeduplicationSettings settings = parse(Map.of("x-message-deduplication", true));

        assertThat(settings).isEqualTo(new DeduplicationSettings(100_000, OptionalLong.empty(), "x-deduplication-header"));
        assertThat(parse(Map.of("x-message-deduplication", true, "x-cache-size", 7, "x-cache-ttl", 60_000L,
                "x-deduplication-header-name", "event-id")))
                .isEqualTo(new DeduplicationSettings(7, OptionalLong.of(60_000), "event-id"));
    }

    @Test
    void shouldRefuseAWrongArgumentEvenWhileOff() {
        assertThatThrownBy(() -> QueueArguments.parse(Map.of("x-cache-ttl", 0), "queue 'q' in vhost '/'"))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("invalid arg 'x-cache-ttl' for queue 'q' in vhost '/': {value_zero,0}");
        assertThatThrownBy(() -> QueueArguments.parse(Map.of("x-message-deduplication", 1), "queue 'q' in vhost '/'"))
                .hasMessageContaining("invalid arg 'x-message-deduplication' for queue 'q' in vhost '/': {unacceptable_type,");
    }

    @Test
    void shouldTakeTheHeaderThenTheMessageId() {
        DeduplicationSettings settings = parse(Map.of("x-message-deduplication", true));
        Map<String, Object> overlong = new HashMap<>();
        overlong.put("x-deduplication-header", "x".repeat(DeduplicationSettings.MAX_ID_LENGTH + 1));

        assertThat(settings.idOf(message(Map.of("x-deduplication-header", "h"), "m"))).isEqualTo("h");
        assertThat(settings.idOf(message(Map.of("x-deduplication-header", 42), "m"))).isEqualTo("42");
        assertThat(settings.idOf(message(Map.of("x-deduplication-header", 1.5), "m"))).as("not a string or integer")
                .isEqualTo("m");
        assertThat(settings.idOf(message(Map.of("other", "h"), "m"))).isEqualTo("m");
        assertThat(settings.idOf(message(null, null))).isNull();
        assertThat(settings.idOf(message(null, ""))).isNull();
        assertThat(settings.idOf(message(overlong, null))).isNull();
    }
}
