package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** queue.declare / bind / unbind / purge / delete as RabbitMQ's Java client sees them. */
class QueueTest extends AmqpTestBase {

    @Test
    void shouldNameAQueueDeclaredWithoutAName() throws IOException {
        AMQP.Queue.DeclareOk ok = channel.queueDeclare();

        assertThat(ok.getQueue()).startsWith("amq.gen-");
        assertThat(ok.getMessageCount()).isZero();
        assertThat(ok.getConsumerCount()).isZero();
    }

    @Test
    void shouldCountReadyMessagesAndConsumersInDeclareOk() throws IOException {
        String queue = unique("q-counts");
        channel.queueDeclare(queue, false, false, true, null);
        for (int i = 0; i < 3; i++) {
            channel.basicPublish("", queue, null, new byte[] {(byte) i});
        }
        Channel consumerChannel = connection.createChannel();
        consumerChannel.basicQos(1);
        consumerChannel.basicConsume(queue, false, new DefaultConsumer(consumerChannel));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            AMQP.Queue.DeclareOk ok = channel.queueDeclarePassive(queue);
            assertThat(ok.getMessageCount()).as("ready, not counting the one delivered").isEqualTo(2);
            assertThat(ok.getConsumerCount()).isEqualTo(1);
        });
    }

    @Test
    void shouldReportNotFoundForAPassiveDeclareOfAMissingQueue() {
        Throwable thrown = catchThrowable(() -> channel.queueDeclarePassive(unique("missing")));

        assertThat(replyCode(thrown)).isEqualTo(404);
        assertThat(replyText(thrown)).startsWith("NOT_FOUND - no queue '").endsWith("' in vhost '/'");
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void shouldRefuseARedeclarationWithOtherProperties() throws IOException {
        String queue = unique("q-redeclare");
        channel.queueDeclare(queue, false, false, true, null);

        Throwable thrown = catchThrowable(() -> channel.queueDeclare(queue, true, false, true, null));

        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(replyText(thrown)).contains("durable");
    }

    @Test
    void shouldRefuseARedeclarationWithOtherArguments() throws IOException {
        String queue = unique("q-args");
        channel.queueDeclare(queue, false, false, true, Map.of("x-max-length", 10));

        Throwable thrown = catchThrowable(() -> channel.queueDeclare(queue, false, false, true, Map.of("x-max-length", 20)));

        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(replyText(thrown)).contains("x-max-length");
    }

    @Test
    void shouldRefuseAnArgumentOfTheWrongType() {
        Throwable thrown = catchThrowable(() ->
                channel.queueDeclare(unique("q-bad-ttl"), false, false, true, Map.of("x-message-ttl", "soon")));

        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(replyText(thrown)).contains("x-message-ttl");
    }

    @Test
    void shouldRefuseANegativeLengthLimit() {
        Throwable thrown = catchThrowable(() ->
                channel.queueDeclare(unique("q-bad-len"), false, false, true, Map.of("x-max-length", -1)));

        assertThat(replyCode(thrown)).isEqualTo(406);
    }

    @Test
    void shouldReserveTheAmqPrefixForQueues() {
        Throwable thrown = catchThrowable(() -> channel.queueDeclare("amq." + unique("mine"), false, false, true, null));

        assertThat(replyCode(thrown)).isEqualTo(403);
    }

    @Test
    void shouldLockAnExclusiveQueueToItsConnection() throws IOException {
        String queue = unique("q-exclusive");
        channel.queueDeclare(queue, false, true, false, null);
        Channel other = newConnection().createChannel();

        Throwable thrown = catchThrowable(() -> other.basicConsume(queue, true, new DefaultConsumer(other)));

        assertThat(replyCode(thrown)).isEqualTo(405);
    }

    @Test
    void shouldRemoveAnExclusiveQueueWhenItsConnectionCloses() throws IOException {
        String queue = unique("q-owned");
        Connection owner = newConnection();
        owner.createChannel().queueDeclare(queue, false, true, false, null);

        owner.close();

        awaitQueueGone(queue);
    }

    @Test
    void shouldHaveRemovedTheExclusiveQueuesByTheTimeCloseOkArrives() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ may still hold the queue for a moment after close-ok");
        for (int i = 0; i < 30; i++) {
            String queue = unique("q-close-ok");
            Connection owner = newConnection();
            owner.createChannel().queueDeclare(queue, false, true, false, null);
            owner.close(); // returns once connection.close-ok is in

            Channel probe = connection.createChannel();
            Throwable thrown = catchThrowable(() -> probe.queueDeclarePassive(queue));
            assertThat(replyCode(thrown)).as("round %d", i).isEqualTo(404);
        }
    }

    @Test
    void shouldDeleteAnAutoDeleteQueueWhenItsLastConsumerCancels() throws IOException {
        String queue = unique("q-auto");
        channel.queueDeclare(queue, false, false, true, null);
        String tagA = channel.basicConsume(queue, true, new DefaultConsumer(channel));
        String tagB = channel.basicConsume(queue, true, new DefaultConsumer(channel));

        channel.basicCancel(tagA);
        assertThat(channel.queueDeclarePassive(queue).getConsumerCount()).isEqualTo(1);
        channel.basicCancel(tagB);

        awaitQueueGone(queue);
    }

    @Test
    void shouldPurgeReadyMessagesAndSayHowMany() throws IOException {
        String queue = unique("q-purge");
        channel.queueDeclare(queue, false, false, true, null);
        for (int i = 0; i < 5; i++) {
            channel.basicPublish("", queue, null, new byte[] {(byte) i});
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> channel.queueDeclarePassive(queue).getMessageCount() == 5);

        assertThat(channel.queuePurge(queue).getMessageCount()).isEqualTo(5);

        assertThat(channel.basicGet(queue, true)).isNull();
    }

    @Test
    void shouldRefuseToDeleteAQueueWithConsumersWhenAskedIfUnused() throws IOException {
        String queue = unique("q-in-use");
        channel.queueDeclare(queue, false, false, false, null);
        channel.basicConsume(queue, true, new DefaultConsumer(channel));
        Channel other = connection.createChannel();

        Throwable thrown = catchThrowable(() -> other.queueDelete(queue, true, false));

        assertThat(replyCode(thrown)).isEqualTo(406);
        channel.queueDelete(queue);
    }

    @Test
    void shouldRefuseToDeleteAQueueWithMessagesWhenAskedIfEmpty() throws IOException {
        String queue = unique("q-full");
        channel.queueDeclare(queue, false, false, false, null);
        channel.basicPublish("", queue, null, new byte[] {1});
        await().atMost(Duration.ofSeconds(10))
                .until(() -> channel.queueDeclarePassive(queue).getMessageCount() == 1);

        Throwable thrown = catchThrowable(() -> channel.queueDelete(queue, false, true));

        assertThat(replyCode(thrown)).isEqualTo(406);
        Channel other = connection.createChannel();
        assertThat(other.queueDelete(queue).getMessageCount()).isEqualTo(1);
        assertThat(catchThrowable(() -> other.queueDeclarePassive(queue))).isNotNull();
    }

    @Test
    void shouldStopRoutingToAQueueOnceUnbound() throws IOException {
        String queue = channel.queueDeclare().getQueue();
        channel.queueBind(queue, "amq.direct", "k1");
        channel.basicPublish("amq.direct", "k1", null, "bound".getBytes());

        channel.queueUnbind(queue, "amq.direct", "k1");
        channel.basicPublish("amq.direct", "k1", null, "unbound".getBytes());

        await().atMost(Duration.ofSeconds(10)).until(() -> channel.queueDeclarePassive(queue).getMessageCount() == 1);
        assertThat(new String(channel.basicGet(queue, true).getBody())).isEqualTo("bound");
        assertThat(channel.basicGet(queue, true)).isNull();
    }

    @Test
    void shouldReportNotFoundForBindingAMissingQueue() {
        Throwable thrown = catchThrowable(() -> channel.queueBind(unique("missing"), "amq.direct", "k"));

        assertThat(replyCode(thrown)).isEqualTo(404);
    }

    @Test
    void shouldUnbindAMissingQueueExchangeOrBindingWithoutError() throws IOException {
        // RabbitMQ 3.10 answers unbind-ok in each case; only the default exchange is refused (403).
        String queue = channel.queueDeclare(unique("q-unbind"), false, false, true, null).getQueue();

        channel.queueUnbind(unique("missing-queue"), "amq.direct", "k");
        channel.queueUnbind(queue, unique("missing-exchange"), "k");
        channel.queueUnbind(queue, "amq.direct", "never-bound");

        assertThat(channel.isOpen()).isTrue();
        Throwable thrown = catchThrowable(() -> connection.createChannel().queueUnbind(queue, "", queue));
        assertThat(replyCode(thrown)).isEqualTo(403);
        assertThat(replyText(thrown)).isEqualTo("ACCESS_REFUSED - operation not permitted on the default exchange");
    }

    @Test
    void shouldAnswerBadArgumentsWithRabbitMqsTexts() {
        String queue = unique("q-bad");
        String description = "queue '" + queue + "' in vhost '/'";
        assertThat(refusal(queue, Map.of("x-overflow", "drop"))).isEqualTo(
                "PRECONDITION_FAILED - invalid arg 'x-overflow' for " + description + ": invalid_overflow");
        assertThat(refusal(queue, Map.of("x-queue-mode", "fast"))).isEqualTo(
                "PRECONDITION_FAILED - invalid arg 'x-queue-mode' for " + description + ": \"unsupported queue mode 'fast'\"");
        assertThat(refusal(queue, Map.of("x-queue-version", 3))).isEqualTo("PRECONDITION_FAILED - invalid arg "
                + "'x-queue-version' for " + description + ": \"unsupported queue version '3'\"");
        assertThat(refusal(queue, Map.of("x-dead-letter-exchange", 5))).isEqualTo(
                "PRECONDITION_FAILED - invalid type 'signedint' for arg 'x-dead-letter-exchange' in " + description);
    }

    @Test
    void shouldCallARedeclarationInequivalentEvenWhereItsValueIsInvalid() throws IOException {
        String queue = channel.queueDeclare(unique("q-redeclare"), false, false, true, Map.of("x-max-length", 5))
                .getQueue();

        assertThat(refusal(queue, Map.of("x-max-length", -1))).isEqualTo("PRECONDITION_FAILED - inequivalent arg "
                + "'x-max-length' for queue '" + queue + "' in vhost '/': received '-1' but current is '5'");
    }

    @Test
    void shouldTakeIntegersOfAnyWidthButNotAFloatingPointNumberAsTheSameArgument() throws IOException {
        String queue = channel.queueDeclare(unique("q-widths"), false, false, true, Map.of("x-message-ttl", 10))
                .getQueue();
        channel.queueDeclare(queue, false, false, true, Map.of("x-message-ttl", 10L));
        channel.queueDeclare(queue, false, false, true, Map.of("x-message-ttl", (short) 10));

        // As RabbitMQ 3.10: 10.0 is not the argument 10, whatever its value.
        assertThat(refusal(queue, Map.of("x-message-ttl", 10.0d))).isEqualTo("PRECONDITION_FAILED - inequivalent arg "
                + "'x-message-ttl' for queue '" + queue + "' in vhost '/': received '10.0' but current is '10'");
        assertThat(refusal(queue, Map.of("x-message-ttl", 10.0f))).startsWith("PRECONDITION_FAILED - inequivalent arg "
                + "'x-message-ttl'");
    }

    @Test
    void shouldReadAMessageExpirationAsRabbitMqDoes() throws Exception {
        // Texts as rabbitmq-server 3.10 gives them; the longest TTL is ten years, per message and per queue.
        assertThat(expirationRefusal("5.0")).isEqualTo("PRECONDITION_FAILED - invalid expiration '5.0': "
                + "{leftover_string,\".0\"}");
        assertThat(expirationRefusal("315360000001")).isEqualTo("PRECONDITION_FAILED - invalid expiration "
                + "'315360000001': {value_too_large,315360000001}");
        assertThat(expirationRefusal("9223372036854775807")).isEqualTo("PRECONDITION_FAILED - invalid expiration "
                + "'9223372036854775807': {value_too_large,\n" + " ".repeat(43) + "9223372036854775807}");
        String queue = unique("q-ttl");
        assertThat(refusal(queue, Map.of("x-message-ttl", 315_360_000_001L))).isEqualTo("PRECONDITION_FAILED - "
                + "invalid arg 'x-message-ttl' for queue '" + queue + "' in vhost '/': {value_too_large,315360000001}");

        Channel publisher = connection.createChannel();
        publisher.confirmSelect();
        String kept = publisher.queueDeclare(unique("q-plus"), false, false, true, null).getQueue();
        publisher.basicPublish("", kept, new AMQP.BasicProperties.Builder().expiration("+600000").build(),
                "signed".getBytes());
        publisher.waitForConfirmsOrDie(10_000);
        assertThat(publisher.queueDeclarePassive(kept).getMessageCount()).isEqualTo(1);
    }

    /** The reply text of a publish on a confirm channel of its own, refused for its expiration. */
    private String expirationRefusal(String expiration) throws IOException {
        Channel publisher = connection.createChannel();
        publisher.confirmSelect();
        Throwable thrown = catchThrowable(() -> {
            publisher.basicPublish("amq.direct", "nowhere", new AMQP.BasicProperties.Builder().expiration(expiration)
                    .build(), new byte[0]);
            publisher.waitForConfirmsOrDie(10_000);
        });
        assertThat(replyCode(thrown)).isEqualTo(406);
        return replyText(thrown);
    }

    /** The reply text of a queue.declare refused on a channel of its own. */
    private String refusal(String queue, Map<String, Object> arguments) {
        Throwable thrown = catchThrowable(() -> connection.createChannel().queueDeclare(queue, false, false, true,
                arguments));
        assertThat(replyCode(thrown)).isEqualTo(406);
        return replyText(thrown);
    }

    @Test
    void shouldRenewTheExpiresLeaseOnAPassiveDeclare() throws Exception {
        String queue = unique("leased");
        channel.queueDeclare(queue, false, false, false, Map.of("x-expires", 1500));
        long declaredAt = System.nanoTime();

        // Twice the lease, used only by passive declares a third of a lease apart.
        while (System.nanoTime() - declaredAt < Duration.ofMillis(3000).toNanos()) {
            Thread.sleep(500);
            channel.queueDeclarePassive(queue);
        }

        // A bind finds the queue without using it, so the lease runs out while this waits.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Channel probe = connection.createChannel();
            Throwable thrown = catchThrowable(() -> probe.queueBind(queue, "amq.direct", "lease-probe"));
            assertThat(thrown).as("the queue expired once the passive declares stopped").isNotNull();
            assertThat(replyCode(thrown)).isEqualTo(404);
        });
    }

    /** Waits until a passive declare of {@code queue} says 404; each probe uses a fresh channel. */
    private void awaitQueueGone(String queue) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Channel probe = connection.createChannel();
            Throwable thrown = catchThrowable(() -> probe.queueDeclarePassive(queue));
            assertThat(thrown).isNotNull();
            assertThat(replyCode(thrown)).isEqualTo(404);
        });
    }
}
