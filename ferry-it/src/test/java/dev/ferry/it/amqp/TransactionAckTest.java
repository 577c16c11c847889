package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Acks, nacks and rejects inside a transaction (tx.select), and the two recover / publish flags
 * RabbitMQ refuses. A settlement in an open transaction takes its delivery tag out of the
 * channel's unacked set at once (so settling it again is 406) but reaches the queue only at
 * commit; rollback puts the tags back, unacked, and nothing is redelivered meanwhile.
 */
class TransactionAckTest extends AmqpTestBase {

    private String queueWith(String... bodies) throws IOException {
        String queue = unique("txq");
        channel.queueDeclare(queue, false, false, false, null);
        for (String body : bodies) {
            channel.basicPublish("", queue, null, body.getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> ready(queue) == bodies.length);
        return queue;
    }

    private int ready(String queue) throws IOException {
        return channel.queueDeclarePassive(queue).getMessageCount();
    }

    private static String body(GetResponse response) {
        return new String(response.getBody(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldNotRedeliverAMessageAckedInAnOpenTransactionOnRecover() throws Exception {
        String queue = queueWith("acked");
        Channel tx = connection.createChannel();
        tx.txSelect();
        long tag = tx.basicGet(queue, false).getEnvelope().getDeliveryTag();
        tx.basicAck(tag, false);

        tx.basicRecover(true);

        assertThat(tx.basicGet(queue, false)).as("acked, uncommitted, then recovered").isNull();
        tx.txCommit();
        tx.close();
        assertThat(ready(queue)).isZero();
    }

    @Test
    void shouldLeaveARolledBackAckUnackedUntilRecoverReturnsIt() throws Exception {
        String queue = queueWith("kept");
        Channel tx = connection.createChannel();
        tx.txSelect();
        long tag = tx.basicGet(queue, false).getEnvelope().getDeliveryTag();
        tx.basicAck(tag, false);

        tx.txRollback();

        assertThat(ready(queue)).as("still unacked after rollback").isZero();
        tx.basicRecover(true);
        GetResponse again = tx.basicGet(queue, true);
        assertThat(body(again)).isEqualTo("kept");
        assertThat(again.getEnvelope().isRedeliver()).isTrue();
    }

    @Test
    void shouldAcceptAnAckAgainAfterRollback() throws Exception {
        String queue = queueWith("a", "b", "c");
        Channel tx = connection.createChannel();
        tx.txSelect();
        long first = tx.basicGet(queue, false).getEnvelope().getDeliveryTag();
        long second = tx.basicGet(queue, false).getEnvelope().getDeliveryTag();
        long third = tx.basicGet(queue, false).getEnvelope().getDeliveryTag();
        tx.basicAck(third, false);
        tx.basicAck(second, false);
        tx.txRollback();

        // The tags are back in order: "multiple" up to the first, then the other two one by one.
        tx.basicAck(first, true);
        tx.basicAck(second, false);
        tx.basicAck(third, false);
        tx.txCommit();
        tx.close();

        assertThat(ready(queue)).isZero();
    }

    @Test
    void shouldRefuseAckingTheSameDeliveryTwiceInATransaction() throws Exception {
        String queue = queueWith("once");
        Channel tx = connection.createChannel();
        tx.txSelect();
        long tag = tx.basicGet(queue, false).getEnvelope().getDeliveryTag();
        tx.basicAck(tag, false);
        tx.basicAck(tag, false);

        // The second ack closes the channel before any commit: the next synchronous call sees it.
        Throwable thrown = catchThrowable(() -> tx.queueDeclarePassive(queue));

        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(replyText(thrown)).isEqualTo("PRECONDITION_FAILED - unknown delivery tag " + tag);
        // The channel closed with its transaction open: the message is back, nothing was acked.
        await().atMost(Duration.ofSeconds(10)).until(() -> ready(queue) == 1);
    }

    @Test
    void shouldRefuseRejectingADeliveryAlreadyAckedInTheTransaction() throws Exception {
        String queue = queueWith("first", "second");
        Channel tx = connection.createChannel();
        tx.txSelect();
        tx.basicGet(queue, false);
        long tag = tx.basicGet(queue, false).getEnvelope().getDeliveryTag();
        tx.basicAck(tag, true);
        tx.basicReject(tag, true);

        Throwable thrown = catchThrowable(() -> tx.queueDeclarePassive(queue));

        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(replyText(thrown)).isEqualTo("PRECONDITION_FAILED - unknown delivery tag " + tag);
    }

    @Test
    void shouldApplyANackWithRequeueOnlyAtCommit() throws Exception {
        String queue = queueWith("nacked");
        Channel tx = connection.createChannel();
        tx.txSelect();
        long tag = tx.basicGet(queue, false).getEnvelope().getDeliveryTag();
        tx.basicNack(tag, false, true);

        assertThat(ready(queue)).as("before commit").isZero();
        tx.txCommit();

        await().atMost(Duration.ofSeconds(10)).until(() -> ready(queue) == 1);
        GetResponse again = channel.basicGet(queue, true);
        assertThat(body(again)).isEqualTo("nacked");
        assertThat(again.getEnvelope().isRedeliver()).isTrue();
    }

    @Test
    void shouldRefuseRecoverWithoutRequeue() throws Exception {
        String queue = queueWith("held");
        channel.basicGet(queue, false);

        Throwable thrown = catchThrowable(() -> channel.basicRecover(false));

        assertThat(replyCode(thrown)).isEqualTo(540);
        assertThat(replyText(thrown)).isEqualTo("NOT_IMPLEMENTED - requeue=false");
        assertThat(isConnectionError(thrown)).isTrue();
    }

    @Test
    void shouldRefuseAnImmediatePublish() throws Exception {
        String queue = queueWith();
        channel.basicPublish("", queue, false, true, null, "now".getBytes(StandardCharsets.UTF_8));

        Throwable thrown = catchThrowable(() -> channel.queueDeclarePassive(queue));

        assertThat(replyCode(thrown)).isEqualTo(540);
        assertThat(replyText(thrown)).isEqualTo("NOT_IMPLEMENTED - immediate=true");
        assertThat(isConnectionError(thrown)).isTrue();
        Channel other = newConnection().createChannel();
        assertThat(other.queueDeclarePassive(queue).getMessageCount()).as("the immediate message").isZero();
    }
}
