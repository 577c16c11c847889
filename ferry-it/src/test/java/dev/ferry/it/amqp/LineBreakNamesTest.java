package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Line feeds and carriage returns in names, as RabbitMQ 3.10 treats them: stripped from the queue
 * and exchange names of declare (passive too), delete, bind and unbind, so {@code "q\n"} is
 * {@code q}; kept in basic.consume, basic.get, queue.purge and basic.publish, and in binding keys.
 */
@Timeout(60)
class LineBreakNamesTest extends AmqpTestBase {

    private GetResponse awaitGet(String queue) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            GetResponse response = channel.basicGet(queue, true);
            if (response != null) {
                return response;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("nothing arrived on " + queue);
    }

    @Test
    void shouldStripLineBreaksFromQueueNamesInDeclareBindUnbindAndDelete() throws Exception {
        String queue = unique("lb-q");

        assertThat(channel.queueDeclare(queue + "\r\n", false, false, true, null).getQueue()).isEqualTo(queue);
        assertThat(channel.queueDeclarePassive("\n" + queue + "\r").getQueue()).isEqualTo(queue);

        // Names stripped, binding key kept as sent.
        channel.queueBind(queue + "\n", "amq.direct\n", "k\n" + queue);
        channel.basicPublish("amq.direct", "k" + queue, null, "no".getBytes(StandardCharsets.UTF_8));
        channel.basicPublish("amq.direct", "k\n" + queue, null, "yes".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(awaitGet(queue).getBody(), StandardCharsets.UTF_8)).isEqualTo("yes");

        channel.queueUnbind(queue + "\r", "amq.direct\r", "k\n" + queue);
        channel.basicPublish("amq.direct", "k\n" + queue, null, "unbound".getBytes(StandardCharsets.UTF_8));
        channel.basicPublish("", queue, null, "marker".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(awaitGet(queue).getBody(), StandardCharsets.UTF_8)).isEqualTo("marker");

        channel.queueDelete(queue + "\n");
        Throwable thrown = catchThrowable(() -> channel.queueDeclarePassive(queue));
        assertThat(replyCode(thrown)).isEqualTo(404);
    }

    @Test
    void shouldStripLineBreaksFromExchangeNames() throws Exception {
        String exchange = unique("lb-x");
        channel.exchangeDeclare(exchange + "\r\n", "fanout", false, false, null);
        channel.exchangeDeclarePassive(exchange);
        channel.exchangeDeclarePassive(exchange + "\n");
        String queue = channel.queueDeclare("", false, true, true, null).getQueue();
        String downstream = unique("lb-down");
        channel.exchangeDeclare(downstream, "fanout", false, false, null);
        channel.queueBind(queue, downstream, "");

        channel.exchangeBind(downstream + "\n", exchange + "\r", "");
        channel.basicPublish(exchange, "", null, "through".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(awaitGet(queue).getBody(), StandardCharsets.UTF_8)).isEqualTo("through");

        channel.exchangeUnbind(downstream + "\r", exchange + "\n", "");
        channel.basicPublish(exchange, "", null, "unbound".getBytes(StandardCharsets.UTF_8));
        channel.basicPublish("", queue, null, "marker".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(awaitGet(queue).getBody(), StandardCharsets.UTF_8)).isEqualTo("marker");

        channel.exchangeDelete(exchange + "\n");
        channel.exchangeDelete(downstream + "\r\n");
        Throwable thrown = catchThrowable(() -> channel.exchangeDeclarePassive(exchange));
        assertThat(replyCode(thrown)).isEqualTo(404);
        Throwable downstreamGone = catchThrowable(() -> newConnection().createChannel().exchangeDeclarePassive(downstream));
        assertThat(replyCode(downstreamGone)).isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"basic.consume", "basic.get", "queue.purge"})
    void shouldKeepLineBreaksInTheQueueNameOf(String method) throws Exception {
        String queue = channel.queueDeclare(unique("lb-kept"), false, false, true, null).getQueue();
        Channel other = connection.createChannel();

        Throwable thrown = catchThrowable(() -> {
            switch (method) {
                case "basic.consume" -> other.basicConsume(queue + "\n", true, new DefaultConsumer(other));
                case "basic.get" -> other.basicGet(queue + "\n", true);
                case "queue.purge" -> other.queuePurge(queue + "\r");
                default -> throw new IllegalArgumentException(method);
            }
        });

        assertThat(replyCode(thrown)).isEqualTo(404);
    }

    @Test
    void shouldKeepLineBreaksInThePublishedExchangeAndRoutingKey() throws Exception {
        String queue = channel.queueDeclare(unique("lb-pub"), false, false, true, null).getQueue();
        channel.basicPublish("", queue + "\n", null, "not routed".getBytes(StandardCharsets.UTF_8));
        channel.basicPublish("", queue, null, "marker".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(awaitGet(queue).getBody(), StandardCharsets.UTF_8)).isEqualTo("marker");

        Throwable thrown = catchThrowable(() -> {
            channel.basicPublish("amq.direct\n", "k", null, new byte[] {1});
            channel.queueDeclare();
        });
        assertThat(replyCode(thrown)).isEqualTo(404);
    }

    @Test
    void shouldCheckTheStrippedNameForTheReservedPrefix() throws IOException {
        Throwable queue = catchThrowable(() -> channel.queueDeclare("amq\n.lb", false, false, true, null));
        assertThat(replyCode(queue)).isEqualTo(403);
        assertThat(replyText(queue)).isEqualTo("ACCESS_REFUSED - queue name 'amq.lb' contains reserved prefix 'amq.*'");

        Channel other = connection.createChannel();
        Throwable exchange = catchThrowable(() -> other.exchangeDeclare("amq\r.lb", "direct"));
        assertThat(replyCode(exchange)).isEqualTo(403);
        assertThat(replyText(exchange)).isEqualTo("ACCESS_REFUSED - exchange name 'amq.lb' contains reserved prefix 'amq.*'");
    }

    @Test
    void shouldNameAQueueDeclaredAsOnlyALineBreakLikeAnUnnamedOne() throws IOException {
        assertThat(channel.queueDeclare("\n", false, true, true, null).getQueue()).startsWith("amq.gen-");
    }
}
