package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** exchange.declare / delete / bind / unbind as RabbitMQ's Java client sees them. */
class ExchangeTest extends AmqpTestBase {

    @ParameterizedTest
    @ValueSource(strings = {"direct", "fanout", "topic", "headers"})
    void shouldDeclareEachExchangeTypeAndFindItPassively(String type) throws IOException {
        String name = unique("x-" + type);

        channel.exchangeDeclare(name, type);

        assertThat(channel.exchangeDeclarePassive(name)).isNotNull();
        channel.exchangeDelete(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"amq.direct", "amq.fanout", "amq.topic", "amq.headers", "amq.match"})
    void shouldHavePredeclaredExchangesInEveryVhost(String name) throws IOException {
        assertThat(channel.exchangeDeclarePassive(name)).isNotNull();
    }

    @Test
    void shouldLetAPredeclaredExchangeBeDeclaredAgainTheSameWay() throws IOException {
        // The amq. prefix is refused only for an exchange that would be created (RabbitMQ 3.10).
        channel.exchangeDeclare("amq.topic", "topic", true);
        channel.exchangeDeclare("amq.match", "headers", true);

        Throwable thrown = catchThrowable(() -> connection.createChannel().exchangeDeclare("amq.direct", "topic", true));
        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(replyText(thrown)).isEqualTo("PRECONDITION_FAILED - inequivalent arg 'type' for exchange "
                + "'amq.direct' in vhost '/': received 'topic' but current is 'direct'");
        Throwable created = catchThrowable(() -> connection.createChannel().exchangeDeclare(unique("amq.new"), "topic"));
        assertThat(replyCode(created)).isEqualTo(403);
    }

    @Test
    void shouldRefuseAnUnknownTypeAndAnAlternateExchangeThatIsNoName() throws IOException {
        String name = unique("x-odd");
        // A type name RabbitMQ has never seen; it says "invalid" instead for a name that happens to be
        // an Erlang atom already ('foo'), which Ferry does not imitate.
        String typeName = "ferry-typo-" + UUID.randomUUID();
        Throwable type = catchThrowable(() -> newConnection().createChannel().exchangeDeclare(name, typeName));
        assertThat(replyCode(type)).isEqualTo(503);
        assertThat(replyText(type)).isEqualTo("COMMAND_INVALID - unknown exchange type '" + typeName + "'");

        Throwable alternate = catchThrowable(() -> connection.createChannel().exchangeDeclare(name, "direct", false,
                true, Map.of("alternate-exchange", 5)));
        assertThat(replyCode(alternate)).isEqualTo(406);
        assertThat(replyText(alternate)).isEqualTo("PRECONDITION_FAILED - invalid type 'signedint' for arg "
                + "'alternate-exchange' in exchange '" + name + "' in vhost '/'");
    }

    @Test
    void shouldWordAnXMatchRefusalAsRabbitMqDoes() throws IOException {
        String queue = channel.queueDeclare().getQueue();
        Throwable value = catchThrowable(() -> connection.createChannel().queueBind(queue, "amq.headers", "",
                Map.of("x-match", "ALL", "a", 1)));
        assertThat(replyText(value)).isEqualTo("PRECONDITION_FAILED - Invalid x-match field value <<\"ALL\">>; "
                + "expected all, any, all-with-x, or any-with-x");
        Throwable type = catchThrowable(() -> connection.createChannel().queueBind(queue, "amq.headers", "",
                Map.of("x-match", 5, "a", 1)));
        assertThat(replyText(type)).isEqualTo("PRECONDITION_FAILED - Invalid x-match field type signedint (value 5); "
                + "expected longstr");
    }

    @Test
    void shouldUnbindExchangesThatAreMissingWithoutError() throws IOException {
        String present = unique("x-present");
        channel.exchangeDeclare(present, "direct", false, true, null);

        channel.exchangeUnbind(unique("missing-destination"), present, "k");
        channel.exchangeUnbind(present, unique("missing-source"), "k");

        assertThat(channel.isOpen()).isTrue();
        channel.exchangeDelete(present);
    }

    @Test
    void shouldReportNotFoundForAPassiveDeclareOfAMissingExchange() {
        Throwable thrown = catchThrowable(() -> channel.exchangeDeclarePassive(unique("missing")));

        assertThat(replyCode(thrown)).isEqualTo(404);
        assertThat(isConnectionError(thrown)).isFalse();
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void shouldRefuseARedeclarationWithAnotherTypeAndKeepTheConnection() throws IOException {
        String name = unique("x-redeclare");
        channel.exchangeDeclare(name, BuiltinExchangeType.DIRECT);

        Throwable thrown = catchThrowable(() -> channel.exchangeDeclare(name, BuiltinExchangeType.FANOUT));

        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(replyText(thrown)).startsWith("PRECONDITION_FAILED - inequivalent arg 'type' for exchange '" + name);
        assertThat(connection.isOpen()).isTrue();
        Channel fresh = connection.createChannel();
        fresh.exchangeDelete(name);
    }

    @Test
    void shouldRefuseARedeclarationWithOtherDurability() throws IOException {
        String name = unique("x-durable");
        channel.exchangeDeclare(name, "direct", false, true, null);

        Throwable thrown = catchThrowable(() -> channel.exchangeDeclare(name, "direct", true, true, null));

        assertThat(replyCode(thrown)).isEqualTo(406);
    }

    @Test
    void shouldAcceptAnIdenticalRedeclaration() throws IOException {
        String name = unique("x-same");
        channel.exchangeDeclare(name, "topic", false, true, Map.of());

        channel.exchangeDeclare(name, "topic", false, true, Map.of());

        assertThat(channel.isOpen()).isTrue();
        channel.exchangeDelete(name);
    }

    @Test
    void shouldReserveTheAmqPrefix() {
        Throwable thrown = catchThrowable(() -> channel.exchangeDeclare("amq." + unique("mine"), "direct"));

        assertThat(replyCode(thrown)).isEqualTo(403);
        assertThat(isConnectionError(thrown)).isFalse();
    }

    @Test
    void shouldRefuseAnUnknownExchangeTypeAsACommandError() {
        Throwable thrown = catchThrowable(() -> channel.exchangeDeclare(unique("x-odd"), "no-such-type"));

        assertThat(replyCode(thrown)).isEqualTo(503);
        assertThat(isConnectionError(thrown)).isTrue();
    }

    @Test
    void shouldRefuseToDeleteAnExchangeInUseWhenAskedIfUnused() throws IOException {
        String exchange = unique("x-used");
        channel.exchangeDeclare(exchange, "fanout", false, false, null);
        String queue = channel.queueDeclare().getQueue();
        channel.queueBind(queue, exchange, "");

        Throwable thrown = catchThrowable(() -> channel.exchangeDelete(exchange, true));

        assertThat(replyCode(thrown)).isEqualTo(406);
        Channel fresh = connection.createChannel();
        fresh.exchangeDelete(exchange, false);
        assertThatThrownBy(() -> fresh.exchangeDeclarePassive(exchange)).satisfies(e -> assertThat(replyCode(e)).isEqualTo(404));
    }

    @Test
    void shouldReportNotFoundWhenPublishingToAMissingExchange() throws Exception {
        channel.basicPublish(unique("nowhere"), "key", null, new byte[] {1});

        Throwable thrown = catchThrowable(() -> channel.queueDeclare());

        assertThat(replyCode(thrown)).isEqualTo(404);
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void shouldRouteThroughAnExchangeToExchangeBinding() throws IOException {
        String upstream = unique("x-up");
        String downstream = unique("x-down");
        // Not auto-delete: unbinding below would otherwise delete the upstream exchange as well.
        channel.exchangeDeclare(upstream, "topic", false, false, null);
        channel.exchangeDeclare(downstream, "direct", false, false, null);
        channel.exchangeBind(downstream, upstream, "orders.*");
        String queue = channel.queueDeclare().getQueue();
        channel.queueBind(queue, downstream, "orders.created");

        channel.basicPublish(upstream, "orders.created", null, "o-1".getBytes());
        channel.basicPublish(upstream, "orders.deleted", null, "o-2".getBytes());

        assertThat(getBody(queue)).isEqualTo("o-1");
        assertThat(channel.basicGet(queue, true)).isNull();

        channel.exchangeUnbind(downstream, upstream, "orders.*");
        channel.basicPublish(upstream, "orders.created", null, "o-3".getBytes());
        assertThat(channel.basicGet(queue, true)).isNull();
        channel.exchangeDelete(upstream);
        channel.exchangeDelete(downstream);
    }

    @Test
    void shouldSendUnroutableMessagesToTheAlternateExchange() throws IOException {
        String alternate = unique("x-alt");
        String main = unique("x-main");
        channel.exchangeDeclare(alternate, "fanout", false, true, null);
        channel.exchangeDeclare(main, "direct", false, true, Map.of("alternate-exchange", alternate));
        String routed = channel.queueDeclare().getQueue();
        String unrouted = channel.queueDeclare().getQueue();
        channel.queueBind(routed, main, "known");
        channel.queueBind(unrouted, alternate, "");

        channel.basicPublish(main, "known", null, "a".getBytes());
        channel.basicPublish(main, "unknown", null, "b".getBytes());

        assertThat(getBody(routed)).isEqualTo("a");
        assertThat(getBody(unrouted)).isEqualTo("b");
    }

    @Test
    void shouldRefuseBindingToAMissingExchange() throws IOException {
        String queue = channel.queueDeclare().getQueue();

        Throwable thrown = catchThrowable(() -> channel.queueBind(queue, unique("missing"), "k"));

        assertThat(replyCode(thrown)).isEqualTo(404);
    }

    @Test
    void shouldRefuseBindingToTheDefaultExchange() throws IOException {
        String queue = channel.queueDeclare().getQueue();

        Throwable thrown = catchThrowable(() -> channel.queueBind(queue, "", "k"));

        assertThat(replyCode(thrown)).isEqualTo(403);
    }

    @Test
    void shouldDeleteAnAutoDeleteExchangeWhenItsLastBindingGoes() throws IOException {
        String exchange = unique("x-auto");
        channel.exchangeDeclare(exchange, "direct", false, true, null);
        String queue = channel.queueDeclare().getQueue();
        channel.queueBind(queue, exchange, "k");

        channel.queueUnbind(queue, exchange, "k");

        Throwable thrown = catchThrowable(() -> channel.exchangeDeclarePassive(exchange));
        assertThat(replyCode(thrown)).isEqualTo(404);
    }

    private boolean exchangeExists(String exchange) throws IOException {
        Channel probe = newConnection().createChannel();
        try {
            probe.exchangeDeclarePassive(exchange);
            return true;
        } catch (IOException e) {
            assertThat(replyCode(e)).isEqualTo(404);
            return false;
        }
    }

    @Test
    void shouldDeleteAnAutoDeleteExchangeWhenTheQueueHoldingAllItsBindingsIsDeleted() throws IOException {
        String exchange = unique("x-auto");
        channel.exchangeDeclare(exchange, "direct", false, true, null);
        String queue = channel.queueDeclare().getQueue();
        channel.queueBind(queue, exchange, "a");
        channel.queueBind(queue, exchange, "b");

        channel.queueDelete(queue);

        assertThat(exchangeExists(exchange)).isFalse();
    }

    @Test
    void shouldDeleteAnAutoDeleteExchangeWhenTheConnectionOfItsExclusiveQueuesCloses() throws IOException {
        String exchange = unique("x-auto");
        channel.exchangeDeclare(exchange, "topic", false, true, null);
        com.rabbitmq.client.Connection owner = newConnection();
        Channel ownerChannel = owner.createChannel();
        for (String key : new String[] {"a.#", "b.*", "c"}) {
            String queue = ownerChannel.queueDeclare("", false, true, false, null).getQueue();
            ownerChannel.queueBind(queue, exchange, key);
        }
        assertThat(exchangeExists(exchange)).isTrue();

        owner.close();

        assertThat(exchangeExists(exchange)).isFalse();
    }

    @Test
    void shouldKeepAnAutoDeleteExchangeThatNeverHadABinding() throws IOException {
        String exchange = unique("x-auto");
        channel.exchangeDeclare(exchange, "fanout", false, true, null);

        assertThat(exchangeExists(exchange)).isTrue();
    }

    @Test
    void shouldDeleteAutoDeleteExchangesAlongAChainOfExchangeBindings() throws IOException {
        String upstream = unique("x-auto-up");
        String downstream = unique("x-auto-down");
        channel.exchangeDeclare(upstream, "direct", false, true, null);
        channel.exchangeDeclare(downstream, "direct", false, true, null);
        channel.exchangeBind(downstream, upstream, "k");
        String queue = channel.queueDeclare().getQueue();
        channel.queueBind(queue, downstream, "k");

        // The queue's binding was downstream's last; the binding to downstream was upstream's last.
        channel.queueDelete(queue);

        assertThat(exchangeExists(downstream)).isFalse();
        assertThat(exchangeExists(upstream)).isFalse();
    }

    @Test
    void shouldDeleteAnAutoDeleteSourceWhenItsLastExchangeBindingGoesButNotItsDestination() throws IOException {
        String source = unique("x-auto-src");
        String destination = unique("x-auto-dst");
        channel.exchangeDeclare(source, "direct", false, true, null);
        channel.exchangeDeclare(destination, "direct", false, true, null);
        channel.exchangeBind(destination, source, "k");

        channel.exchangeUnbind(destination, source, "k");

        assertThat(exchangeExists(source)).isFalse();
        assertThat(exchangeExists(destination)).as("only bindings from an exchange count").isTrue();
    }

    @Test
    void shouldDeleteAnAutoDeleteSourceWhenTheExchangeItIsBoundToIsDeleted() throws IOException {
        String source = unique("x-auto-src");
        String destination = unique("x-dst");
        channel.exchangeDeclare(source, "direct", false, true, null);
        channel.exchangeDeclare(destination, "direct", false, false, null);
        channel.exchangeBind(destination, source, "k");

        channel.exchangeDelete(destination);

        assertThat(exchangeExists(source)).isFalse();
    }

    @Test
    void shouldRouteNothingThroughAnAutoDeletedExchange() throws Exception {
        String upstream = unique("x-up");
        String autoDeleted = unique("x-auto");
        channel.exchangeDeclare(upstream, "fanout", false, true, null);
        channel.exchangeDeclare(autoDeleted, "fanout", false, true, null);
        channel.exchangeBind(autoDeleted, upstream, "");
        String doomed = unique("doomed");
        channel.queueDeclare(doomed, false, true, true, null);
        channel.queueBind(doomed, autoDeleted, "");
        String survivor = channel.queueDeclare().getQueue();
        channel.queueBind(survivor, upstream, "");

        channel.queueDelete(doomed);
        // Declared again under the same name, without bindings: nothing may reach it.
        channel.queueDeclare(doomed, false, true, true, null);
        channel.exchangeDeclare(autoDeleted, "fanout", false, true, null);
        channel.basicPublish(upstream, "", null, "after".getBytes());

        assertThat(getBody(survivor)).isEqualTo("after");
        channel.basicPublish("", doomed, null, "marker".getBytes());
        assertThat(getBody(doomed)).isEqualTo("marker");
    }

    private String getBody(String queue) throws IOException {
        GetResponse response = null;
        for (int attempt = 0; attempt < 100 && response == null; attempt++) {
            response = channel.basicGet(queue, true);
        }
        assertThat(response).as("a message in " + queue).isNotNull();
        return new String(response.getBody());
    }
}
