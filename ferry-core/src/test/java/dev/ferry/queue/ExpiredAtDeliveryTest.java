package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import dev.ferry.message.Message;
import dev.ferry.store.StoreKind;

/**
 * Messages that expired while their alarm was late (a busy timer thread): the queue meets them at
 * the head when a consumer or a get takes the next message, dead-letters them there and gives back
 * what the delivery had taken.
 */
class ExpiredAtDeliveryTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);
    private static final long START = 1_700_000_000_000L;

    private final ManualQueueTimer timer = new ManualQueueTimer(START);
    private final List<String> deadLetters = new ArrayList<>();
    private final MessageQueue queue = new MessageQueue(
            new QueueSettings("/", "q", false, OptionalLong.empty(), false,
                    QueueArguments.parse(Map.of("x-dead-letter-exchange", "dlx"), "queue 'q'")),
            new InMemoryMessageStore(), Runnable::run, q -> { },
            new QueueServices(timer, (message, reason) -> deadLetters.add(body(message) + ":" + reason)));

    private static String body(Message message) {
        return new String(message.body(), StandardCharsets.UTF_8);
    }

    private void publish(String body, String expiration) {
        queue.enqueue(new Message("", "q", StoreKind.PERSISTENT.withExpiration(expiration),
                body.getBytes(StandardCharsets.UTF_8)), null);
    }

    private RecordingSink consume(String tag, boolean noAck, ChannelCredit credit) {
        RecordingSink sink = new RecordingSink();
        queue.consume(new ConsumerSpec(CHANNEL, tag, noAck, false, 0, credit, 0, sink)).join();
        return sink;
    }

    @Test
    void shouldGiveBackTheChannelCreditAConsumerTookWhenOnlyExpiredMessagesWereLeft() {
        publish("old-1", "100");
        publish("old-2", "100");
        timer.skipAhead(200);
        ChannelCredit credit = new ChannelCredit(1);

        RecordingSink sink = consume("c", false, credit);

        assertThat(sink.deliveries).isEmpty();
        assertThat(deadLetters).containsExactly("old-1:EXPIRED", "old-2:EXPIRED");
        assertThat(credit.inUse()).as("the unit taken for a delivery that did not happen").isZero();
        publish("new", null);
        assertThat(sink.bodies()).containsExactly("new");
        assertThat(credit.inUse()).isEqualTo(1);
    }

    @Test
    void shouldNotGiveBackCreditANoAckConsumerNeverTook() {
        ChannelCredit credit = new ChannelCredit(2);
        RecordingSink acking = consume("acking", false, credit);
        publish("held", null);
        assertThat(acking.bodies()).containsExactly("held");
        queue.cancel(CHANNEL, "acking").join();
        assertThat(credit.inUse()).as("held stays unacked").isEqualTo(1);

        publish("old", "100");
        timer.skipAhead(200);
        RecordingSink noAck = consume("no-ack", true, credit);

        assertThat(noAck.deliveries).isEmpty();
        assertThat(deadLetters).containsExactly("old:EXPIRED");
        assertThat(credit.inUse()).as("a no-ack consumer takes no unit, so gives none back").isEqualTo(1);
    }

    @Test
    void shouldSkipExpiredMessagesAtTheHeadAndDeliverTheFirstLiveOne() {
        publish("old", "100");
        publish("live", null);
        timer.skipAhead(100); // expires at START + 100: at that instant it is expired

        RecordingSink sink = consume("c", false, null);

        assertThat(sink.bodies()).containsExactly("live");
        assertThat(deadLetters).containsExactly("old:EXPIRED");
    }

    @Test
    void shouldAnswerAGetWithTheFirstLiveMessageAfterExpiredOnes() {
        publish("old", "100");
        publish("live", "1000");
        timer.skipAhead(999);

        GetResult got = queue.get(CHANNEL, true).join();

        assertThat(body(got.delivery().orElseThrow().message())).isEqualTo("live");
        assertThat(deadLetters).containsExactly("old:EXPIRED");
        assertThat(queue.get(CHANNEL, true).join().isEmpty()).isTrue();
    }

    @Test
    void shouldKeepAMessageWhoseTtlReachesPastTheLargestTime() {
        publish("far", "9223372036854775000"); // now + TTL overflows a long: it never expires

        timer.advance(1);

        assertThat(deadLetters).isEmpty();
        assertThat(body(queue.get(CHANNEL, true).join().delivery().orElseThrow().message())).isEqualTo("far");
    }
}
