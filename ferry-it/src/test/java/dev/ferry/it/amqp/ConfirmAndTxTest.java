package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import dev.ferry.it.support.AmqpTestBase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Publisher confirms and AMQP transactions as RabbitMQ's Java client uses them. */
class ConfirmAndTxTest extends AmqpTestBase {

    @Test
    void shouldConfirmEveryPublishInConfirmMode() throws Exception {
        String queue = channel.queueDeclare().getQueue();
        channel.confirmSelect();

        for (int i = 0; i < 100; i++) {
            channel.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }

        assertThat(channel.waitForConfirms(10_000)).isTrue();
        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isEqualTo(100);
    }

    @Test
    void shouldCoverEverySequenceNumberWithAcksSingleOrMultiple() throws Exception {
        String queue = channel.queueDeclare().getQueue();
        channel.confirmSelect();
        ConcurrentSkipListSet<Long> confirmed = new ConcurrentSkipListSet<>();
        AtomicLong nacks = new AtomicLong();
        channel.addConfirmListener((tag, multiple) -> {
            if (multiple) {
                for (long t = 1; t <= tag; t++) {
                    confirmed.add(t);
                }
            } else {
                confirmed.add(tag);
            }
        }, (tag, multiple) -> nacks.incrementAndGet());

        int count = 500;
        for (int i = 0; i < count; i++) {
            channel.basicPublish("", queue, null, new byte[32]);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> confirmed.size() == count);
        assertThat(confirmed.first()).isEqualTo(1);
        assertThat(confirmed.last()).isEqualTo(count);
        assertThat(nacks.get()).isZero();
    }

    @Test
    void shouldConfirmAnUnroutableMessageToo() throws Exception {
        channel.confirmSelect();

        channel.basicPublish("amq.direct", unique("nobody"), null, new byte[] {1});

        assertThat(channel.waitForConfirms(10_000)).isTrue();
    }

    @Test
    void shouldRefuseConfirmModeOnATransactionalChannel() throws Exception {
        channel.txSelect();

        Throwable thrown = catchThrowable(() -> channel.confirmSelect());

        assertThat(replyCode(thrown)).isEqualTo(406);
    }

    @Test
    void shouldPublishOnlyOnCommit() throws Exception {
        String queue = channel.queueDeclare().getQueue();
        Channel tx = connection.createChannel();
        tx.txSelect();

        tx.basicPublish("", queue, null, "one".getBytes(StandardCharsets.UTF_8));
        tx.basicPublish("", queue, null, "two".getBytes(StandardCharsets.UTF_8));
        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isZero();

        tx.txCommit();

        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isEqualTo(2);
    }

    @Test
    void shouldDiscardPublishesAndKeepAcksPendingOnRollback() throws Exception {
        String queue = channel.queueDeclare().getQueue();
        channel.basicPublish("", queue, null, "kept".getBytes(StandardCharsets.UTF_8));
        Channel tx = connection.createChannel();
        tx.txSelect();
        long tag = tx.basicGet(queue, false).getEnvelope().getDeliveryTag();

        tx.basicAck(tag, false);
        tx.basicPublish("", queue, null, "discarded".getBytes(StandardCharsets.UTF_8));
        tx.txRollback();
        tx.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> channel.queueDeclarePassive(queue).getMessageCount() == 1);
        assertThat(new String(channel.basicGet(queue, true).getBody(), StandardCharsets.UTF_8)).isEqualTo("kept");
    }

    @Test
    void shouldApplyAcksOnCommit() throws Exception {
        String queue = channel.queueDeclare().getQueue();
        channel.basicPublish("", queue, null, "acked".getBytes(StandardCharsets.UTF_8));
        Channel tx = connection.createChannel();
        tx.txSelect();
        long tag = tx.basicGet(queue, false).getEnvelope().getDeliveryTag();

        tx.basicAck(tag, false);
        tx.txCommit();
        tx.close();

        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isZero();
    }

    @Test
    void shouldFailTheCommitWhenAQueueRefusesOneOfItsMessages() throws Exception {
        String queue = unique("tx-full");
        channel.queueDeclare(queue, false, false, false, Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
        Channel tx = connection.createChannel();
        tx.txSelect();
        tx.basicPublish("", queue, null, "fits".getBytes(StandardCharsets.UTF_8));
        tx.basicPublish("", queue, null, "refused".getBytes(StandardCharsets.UTF_8));

        Throwable thrown = catchThrowable(tx::txCommit);

        // RabbitMQ: no commit-ok when a queue nacked one of the transaction's messages.
        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(replyText(thrown)).startsWith("PRECONDITION_FAILED - partial tx completion");
        assertThat(isConnectionError(thrown)).isFalse();
        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isEqualTo(1);
        assertThat(new String(channel.basicGet(queue, true).getBody(), StandardCharsets.UTF_8)).isEqualTo("fits");
    }

    @Test
    void shouldNameTheFullQueueWhenTheCommitFails() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ's text is 'partial tx completion' alone");
        String queue = unique("tx-full");
        channel.queueDeclare(queue, false, false, false, Map.of("x-max-length", 0, "x-overflow", "reject-publish"));
        Channel tx = connection.createChannel();
        tx.txSelect();
        tx.basicPublish("", queue, null, "refused".getBytes(StandardCharsets.UTF_8));

        Throwable thrown = catchThrowable(tx::txCommit);

        assertThat(replyText(thrown)).isEqualTo("PRECONDITION_FAILED - partial tx completion: queue '" + queue
                + "' in vhost '/' is full and refuses new messages");
    }

    @Test
    void shouldRefuseCommitOutsideATransaction() {
        Throwable thrown = catchThrowable(() -> channel.txCommit());

        assertThat(replyCode(thrown)).isEqualTo(406);
    }
}
