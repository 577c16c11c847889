package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** RPC over amq.rabbitmq.reply-to: no reply queue declared, replies come straight back. */
class DirectReplyToTest extends AmqpTestBase {
    private static final String REPLY_TO = "amq.rabbitmq.reply-to";

    @Test
    void shouldRouteRepliesToTheRequestingChannel() throws Exception {
        String requests = unique("rpc-requests");
        channel.queueDeclare(requests, false, false, true, null);
        Channel server = newConnection().createChannel();
        server.basicConsume(requests, true, new DefaultConsumer(server) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                    throws IOException {
                assertThat(properties.getReplyTo()).startsWith(REPLY_TO + ".");
                AMQP.BasicProperties reply = new AMQP.BasicProperties.Builder()
                        .correlationId(properties.getCorrelationId()).build();
                String answer = new String(body, StandardCharsets.UTF_8).toUpperCase();
                getChannel().basicPublish("", properties.getReplyTo(), reply, answer.getBytes(StandardCharsets.UTF_8));
            }
        });
        CompletableFuture<String> answer = new CompletableFuture<>();
        CompletableFuture<String> correlation = new CompletableFuture<>();
        channel.basicConsume(REPLY_TO, true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                correlation.complete(properties.getCorrelationId());
                answer.complete(new String(body, StandardCharsets.UTF_8));
            }
        });

        AMQP.BasicProperties request = new AMQP.BasicProperties.Builder()
                .replyTo(REPLY_TO).correlationId("call-1").build();
        channel.basicPublish("", requests, request, "ping".getBytes(StandardCharsets.UTF_8));

        assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("PING");
        assertThat(correlation.get(10, TimeUnit.SECONDS)).isEqualTo("call-1");
    }

    @Test
    void shouldRefuseAReplyToPublishWithoutAReplyConsumer() throws Exception {
        Channel requester = connection.createChannel();

        Throwable thrown = catchThrowable(() -> {
            requester.basicPublish("", unique("q"), new AMQP.BasicProperties.Builder().replyTo(REPLY_TO).build(),
                    new byte[] {1});
            requester.queueDeclare();
        });

        assertThat(replyCode(thrown)).isEqualTo(406);
    }

    @Test
    void shouldAnswerAPassiveDeclareOfThePseudoQueue() throws Exception {
        com.rabbitmq.client.AMQP.Queue.DeclareOk ok = channel.queueDeclarePassive(REPLY_TO);

        assertThat(ok.getQueue()).isEqualTo(REPLY_TO);
        assertThat(ok.getMessageCount()).isZero();
    }

    @Test
    void shouldRequireNoAckForTheReplyConsumer() throws Exception {
        Throwable thrown = catchThrowable(() -> channel.basicConsume(REPLY_TO, false, new DefaultConsumer(channel)));

        assertThat(replyCode(thrown)).isEqualTo(406);
    }
}
