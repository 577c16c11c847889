package dev.ferry.it.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import dev.ferry.it.support.AmqpTarget;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rules around RabbitMQ's direct reply-to pseudo-queue that RPC clients meet when they get
 * them wrong; the RPC example covers the case where they get them right. Ferry must refuse the
 * same mistakes with the same codes, or clients written against RabbitMQ would behave differently.
 */
@Timeout(60)
class DirectReplyToTest {
    private static final String DIRECT_REPLY_TO = "amq.rabbitmq.reply-to";

    private final AmqpTarget target = AmqpTarget.shared();

    @Test
    void shouldRefuseAReplyToThePseudoQueueFromAChannelThatDoesNotConsumeIt() throws Exception {
        try (Connection connection = target.connect()) {
            Channel channel = connection.createChannel();
            String queue = channel.queueDeclare().getQueue();
            AMQP.BasicProperties request = new AMQP.BasicProperties.Builder()
                    .replyTo(DIRECT_REPLY_TO).correlationId(UUID.randomUUID().toString()).build();

            channel.basicPublish("", queue, request, "ping".getBytes(StandardCharsets.UTF_8));
            // The publish is asynchronous; the next synchronous call on the channel sees the close.
            Throwable failure = catchThrowable(() -> channel.queueDeclarePassive(queue));

            assertThat(channelCloseCode(failure)).as(String.valueOf(failure)).isEqualTo(406);
        }
    }

    @Test
    void shouldRefuseToConsumeThePseudoQueueWithManualAcks() throws Exception {
        try (Connection connection = target.connect()) {
            Channel channel = connection.createChannel();

            Throwable failure = catchThrowable(() -> channel.basicConsume(DIRECT_REPLY_TO, false, (tag, delivery) -> { }, tag -> { }));

            assertThat(channelCloseCode(failure)).as(String.valueOf(failure)).isEqualTo(406);
        }
    }

    @Test
    void shouldDeliverAReplyPublishedToTheRewrittenAddressToTheConsumingChannel() throws Exception {
        try (Connection client = target.connect(); Connection server = target.connect()) {
            Channel clientChannel = client.createChannel();
            CompletableFuture<String> reply = new CompletableFuture<>();
            clientChannel.basicConsume(DIRECT_REPLY_TO, true,
                    (tag, delivery) -> reply.complete(new String(delivery.getBody(), StandardCharsets.UTF_8)), tag -> { });
            Channel serverChannel = server.createChannel();
            String requests = serverChannel.queueDeclare().getQueue();
            CompletableFuture<String> replyAddress = new CompletableFuture<>();
            serverChannel.basicConsume(requests, true,
                    (tag, delivery) -> replyAddress.complete(delivery.getProperties().getReplyTo()), tag -> { });

            clientChannel.basicPublish("", requests,
                    new AMQP.BasicProperties.Builder().replyTo(DIRECT_REPLY_TO).build(), new byte[0]);
            String address = replyAddress.get(10, TimeUnit.SECONDS);
            serverChannel.basicPublish("", address, null, "pong".getBytes(StandardCharsets.UTF_8));

            assertThat(address).startsWith(DIRECT_REPLY_TO + ".").isNotEqualTo(DIRECT_REPLY_TO + ".");
            assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("pong");
        }
    }

    private static int channelCloseCode(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ShutdownSignalException shutdown && shutdown.getReason() instanceof AMQP.Channel.Close close) {
                return close.getReplyCode();
            }
        }
        return -1;
    }
}
