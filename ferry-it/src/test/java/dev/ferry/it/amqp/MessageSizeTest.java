package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTestBase;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The largest message a broker with default settings takes: 16 MiB, RabbitMQ 4's default. One byte
 * more closes the channel with 406, naming both sizes; the connection carries on.
 */
class MessageSizeTest extends AmqpTestBase {
    private static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    @Test
    void shouldTakeAMessageOfExactlyTheDefaultMaximumSize() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ 3.10's default maximum is 128 MiB; RabbitMQ 4's is 16 MiB, as here");
        String queue = channel.queueDeclare().getQueue();
        byte[] body = new byte[DEFAULT_MAX_MESSAGE_BYTES];
        Arrays.fill(body, (byte) 7);
        body[body.length - 1] = 8;

        channel.basicPublish("", queue, null, body);

        GetResponse response = null;
        for (int attempt = 0; attempt < 500 && response == null; attempt++) {
            response = channel.basicGet(queue, true);
            if (response == null) {
                Thread.sleep(20); // a 16 MiB body takes a moment to arrive; nothing to wait on but the queue
            }
        }
        assertThat(response).isNotNull();
        assertThat(response.getBody()).isEqualTo(body);
    }

    @Test
    void shouldCloseTheChannelWith406ForOneByteMore() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ 3.10's default maximum is 128 MiB; RabbitMQ 4's is 16 MiB, as here");
        String queue = channel.queueDeclare().getQueue();
        Channel publishing = connection.createChannel();

        publishing.basicPublish("", queue, null, new byte[DEFAULT_MAX_MESSAGE_BYTES + 1]);
        Throwable thrown = catchThrowable(() -> publishing.queueDeclarePassive(queue));

        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(isConnectionError(thrown)).isFalse();
        assertThat(replyText(thrown)).isEqualTo("PRECONDITION_FAILED - message size 16777217 is larger than "
                + "configured max size 16777216");
        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).as("nothing was queued").isZero();
    }
}
