package dev.ferry.amqp.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.BasicAck;
import dev.ferry.amqp.method.BasicNack;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Acks in batches, nacks split out of them so that "multiple" never covers the wrong answer. */
class PublisherConfirmsTest {
    private final List<AmqpMethod> sent = new ArrayList<>();
    private final PublisherConfirms confirms = new PublisherConfirms(sent::add);

    @Test
    void shouldAckStoredPublishesInOneMultipleAck() {
        for (int i = 0; i < 3; i++) {
            confirms.nextPublish();
        }
        confirms.stored(2);
        confirms.stored(1);
        confirms.stored(3);
        confirms.flush();
        assertThat(sent).containsExactly(new BasicAck(3, true));
    }

    @Test
    void shouldNackARefusedPublishAloneBetweenAcks() {
        for (int i = 0; i < 5; i++) {
            confirms.nextPublish();
        }
        confirms.stored(1);
        confirms.stored(2);
        confirms.refused(3);
        confirms.stored(4);
        confirms.refused(5);
        confirms.flush();
        assertThat(sent).containsExactly(new BasicAck(2, true), new BasicNack(3, false, false),
                new BasicAck(4, false), new BasicNack(5, false, false));
    }

    @Test
    void shouldHoldANackBehindAnEarlierOutstandingPublish() {
        confirms.nextPublish();
        confirms.nextPublish();
        confirms.refused(2);
        confirms.flush();
        assertThat(sent).isEmpty();
        confirms.stored(1);
        confirms.flush();
        assertThat(sent).containsExactly(new BasicAck(1, false), new BasicNack(2, false, false));
    }
}
