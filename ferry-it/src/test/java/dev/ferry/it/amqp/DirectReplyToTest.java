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
        assertThat(ok.getConsumerCount()).as("as RabbitMQ answers").isEqualTo(1);
    }

    /** The address a server sees in reply-to when {@code requester} sends a request. */
    private String replyAddressOf(Channel requester, CompletableFuture<String> replies) throws Exception {
        requester.basicConsume(REPLY_TO, true, new DefaultConsumer(requester) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                replies.complete(new String(body, StandardCharsets.UTF_8));
            }
        });
        String requests = requester.queueDeclare("", false, true, true, null).getQueue();
        requester.basicPublish("", requests, new AMQP.BasicProperties.Builder().replyTo(REPLY_TO).build(), new byte[] {1});
        com.rabbitmq.client.GetResponse request = null;
        long deadline = System.currentTimeMillis() + 10_000;
        while (request == null && System.currentTimeMillis() < deadline) {
            request = requester.basicGet(requests, true);
        }
        assertThat(request).isNotNull();
        return request.getProps().getReplyTo();
    }

    @Test
    void shouldFindALiveReplyAddressPassivelyFromAnyChannel() throws Exception {
        String address = replyAddressOf(channel, new CompletableFuture<>());

        com.rabbitmq.client.AMQP.Queue.DeclareOk sameConnection = connection.createChannel().queueDeclarePassive(address);
        com.rabbitmq.client.AMQP.Queue.DeclareOk otherConnection = newConnection().createChannel()
                .queueDeclarePassive(address);

        assertThat(sameConnection.getQueue()).isEqualTo(address);
        assertThat(otherConnection.getQueue()).isEqualTo(address);
        assertThat(otherConnection.getMessageCount()).isZero();
        assertThat(otherConnection.getConsumerCount()).isEqualTo(1);
    }

    @Test
    void shouldNotFindAForgedOrAReleasedReplyAddress() throws Exception {
        Channel requester = connection.createChannel();
        String address = replyAddressOf(requester, new CompletableFuture<>());
        String forgedSecret = address.substring(0, address.length() - 4) + (address.endsWith("AAAA") ? "BBBB" : "AAAA");
        com.rabbitmq.client.Connection other = newConnection();

        for (String forged : new String[] {REPLY_TO + ".garbage", forgedSecret}) {
            Throwable thrown = catchThrowable(() -> other.createChannel().queueDeclarePassive(forged));
            assertThat(replyCode(thrown)).as(forged).isEqualTo(404);
            assertThat(replyText(thrown)).startsWith("NOT_FOUND - no queue '" + forged + "'");
        }
        requester.close();
        Throwable stale = catchThrowable(() -> other.createChannel().queueDeclarePassive(address));
        assertThat(replyCode(stale)).isEqualTo(404);
    }

    @Test
    void shouldConfirmRepliesAndReturnMandatoryOnesNobodyWaitsFor() throws Exception {
        Channel requester = connection.createChannel();
        CompletableFuture<String> replies = new CompletableFuture<>();
        String address = replyAddressOf(requester, replies);
        Channel server = newConnection().createChannel();
        server.confirmSelect();
        java.util.List<Integer> returned = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.addReturnListener(message -> returned.add(message.getReplyCode()));

        // Not mandatory: RabbitMQ 3.10 returns a mandatory direct reply even when it delivers it.
        server.basicPublish("", address, false, null, "answer".getBytes(StandardCharsets.UTF_8));
        server.waitForConfirmsOrDie(10_000);
        assertThat(replies.get(10, TimeUnit.SECONDS)).isEqualTo("answer");

        requester.close();
        server.basicPublish("", address, true, null, "too late".getBytes(StandardCharsets.UTF_8));
        server.waitForConfirmsOrDie(10_000);
        // basic.return comes before the ack.
        assertThat(returned).containsExactly(312);
    }

    @Test
    void shouldRequireNoAckForTheReplyConsumer() throws Exception {
        Throwable thrown = catchThrowable(() -> channel.basicConsume(REPLY_TO, false, new DefaultConsumer(channel)));

        assertThat(replyCode(thrown)).isEqualTo(406);
    }
}
