package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * AMQP 0-9-1's "last declared queue": an empty queue name in queue.bind, queue.unbind,
 * basic.consume, queue.purge, basic.get and queue.delete means the queue last declared on the
 * channel, and an empty key in a bind of that queue means its name. As RabbitMQ 3.10 answers it:
 * 404 "no previously declared queue" on a channel that declared none, and a passive declare takes
 * an empty name literally.
 */
@Timeout(60)
class LastDeclaredQueueTest extends AmqpTestBase {

    private GetResponse awaitGet(Channel on, String queue) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            GetResponse response = on.basicGet(queue, true);
            if (response != null) {
                return response;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("nothing arrived on " + queue);
    }

    @Test
    void shouldBindConsumeGetPurgeAndDeleteTheLastDeclaredQueue() throws Exception {
        String queue = channel.queueDeclare("", false, true, true, null).getQueue();

        channel.queueBind("", "amq.direct", "ldq-" + queue);
        channel.basicPublish("amq.direct", "ldq-" + queue, null, "one".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(awaitGet(channel, "").getBody(), StandardCharsets.UTF_8)).isEqualTo("one");

        channel.basicPublish("", queue, null, "two".getBytes(StandardCharsets.UTF_8));
        channel.basicPublish("", queue, null, "three".getBytes(StandardCharsets.UTF_8));
        // The answer of a passive declare is ordered after both publishes on this channel.
        while (channel.queueDeclarePassive(queue).getMessageCount() < 2) {
            Thread.sleep(10);
        }
        assertThat(channel.queuePurge("").getMessageCount()).isEqualTo(2);

        channel.basicPublish("", queue, null, "four".getBytes(StandardCharsets.UTF_8));
        java.util.concurrent.CompletableFuture<String> consumed = new java.util.concurrent.CompletableFuture<>();
        String tag = channel.basicConsume("", true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String consumerTag, com.rabbitmq.client.Envelope envelope,
                                       com.rabbitmq.client.AMQP.BasicProperties properties, byte[] body) {
                consumed.complete(new String(body, StandardCharsets.UTF_8));
            }
        });
        assertThat(consumed.get(10, TimeUnit.SECONDS)).isEqualTo("four");
        channel.basicCancel(tag);

        channel.queueDelete("");
        Throwable thrown = catchThrowable(() -> newConnection().createChannel().queueDeclarePassive(queue));
        assertThat(replyCode(thrown)).isEqualTo(404);
    }

    @Test
    void shouldBindAndUnbindWithTheQueuesNameWhenQueueAndKeyAreEmpty() throws Exception {
        String queue = channel.queueDeclare("", false, true, true, null).getQueue();

        channel.queueBind("", "amq.direct", "");
        channel.basicPublish("amq.direct", "", null, "by empty key".getBytes(StandardCharsets.UTF_8));
        channel.basicPublish("amq.direct", queue, null, "by name".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(awaitGet(channel, queue).getBody(), StandardCharsets.UTF_8)).isEqualTo("by name");

        channel.queueUnbind("", "amq.direct", "");
        channel.basicPublish("amq.direct", queue, null, "after unbind".getBytes(StandardCharsets.UTF_8));
        channel.basicPublish("", queue, null, "marker".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(awaitGet(channel, queue).getBody(), StandardCharsets.UTF_8)).isEqualTo("marker");
    }

    @Test
    void shouldKeepAnEmptyKeyWhenTheQueueIsNamed() throws Exception {
        String named = channel.queueDeclare("", false, true, true, null).getQueue();
        String last = channel.queueDeclare("", false, true, true, null).getQueue();
        String exchange = unique("ldq-direct");
        channel.exchangeDeclare(exchange, "direct", false, true, null);

        channel.queueBind(named, exchange, "");
        channel.basicPublish(exchange, last, null, "by the last name".getBytes(StandardCharsets.UTF_8));
        channel.basicPublish(exchange, "", null, "by the empty key".getBytes(StandardCharsets.UTF_8));

        assertThat(new String(awaitGet(channel, named).getBody(), StandardCharsets.UTF_8)).isEqualTo("by the empty key");
    }

    @ParameterizedTest
    @ValueSource(strings = {"queue.bind", "queue.unbind", "basic.consume", "basic.get", "queue.purge", "queue.delete"})
    void shouldRefuseAnEmptyNameWithNotFoundOnAChannelThatDeclaredNoQueue(String method) throws Exception {
        // A queue declared on another channel does not count.
        channel.queueDeclare("", false, true, true, null);
        Channel fresh = connection.createChannel();

        Throwable thrown = catchThrowable(() -> {
            switch (method) {
                case "queue.bind" -> fresh.queueBind("", "amq.direct", "k");
                case "queue.unbind" -> fresh.queueUnbind("", "amq.direct", "k");
                case "basic.consume" -> fresh.basicConsume("", true, new DefaultConsumer(fresh));
                case "basic.get" -> fresh.basicGet("", true);
                case "queue.purge" -> fresh.queuePurge("");
                case "queue.delete" -> fresh.queueDelete("");
                default -> throw new IllegalArgumentException(method);
            }
        });

        assertThat(replyCode(thrown)).isEqualTo(404);
        assertThat(replyText(thrown)).isEqualTo("NOT_FOUND - no previously declared queue");
        assertThat(connection.isOpen()).as("a channel error, not a connection error").isTrue();
    }

    @Test
    void shouldTakeAnEmptyNameLiterallyInAPassiveDeclare() throws Exception {
        channel.queueDeclare("", false, true, true, null);

        Throwable thrown = catchThrowable(() -> channel.queueDeclarePassive(""));

        assertThat(replyCode(thrown)).isEqualTo(404);
        assertThat(replyText(thrown)).startsWith("NOT_FOUND - no queue '' in vhost");
    }

    @Test
    void shouldCountAPassiveDeclareAsTheLastDeclaredQueue() throws Exception {
        String first = channel.queueDeclare("", false, true, true, null).getQueue();
        channel.queueDeclare("", false, true, true, null);

        channel.queueDeclarePassive(first);
        channel.basicPublish("", first, null, "to the first".getBytes(StandardCharsets.UTF_8));

        assertThat(new String(awaitGet(channel, "").getBody(), StandardCharsets.UTF_8)).isEqualTo("to the first");
    }

    @Test
    void shouldCountADeclareWithoutWaitForAnAnswer() throws Exception {
        String queue = unique("ldq-nowait");
        channel.queueDeclareNoWait(queue, false, true, true, null);
        channel.basicPublish("", queue, null, "no-wait".getBytes(StandardCharsets.UTF_8));

        assertThat(new String(awaitGet(channel, "").getBody(), StandardCharsets.UTF_8)).isEqualTo("no-wait");
    }

    @Test
    void shouldKeepTheDeletedQueueAsTheLastDeclared() throws IOException {
        String queue = channel.queueDeclare("", false, true, true, null).getQueue();
        channel.queueDelete("");

        assertThat(channel.queueDelete("").getMessageCount()).as("deleting a missing queue is fine").isZero();
        Throwable thrown = catchThrowable(() -> channel.basicGet("", true));

        assertThat(replyCode(thrown)).isEqualTo(404);
        assertThat(replyText(thrown)).contains("'" + queue + "'");
    }
}
