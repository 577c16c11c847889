package dev.ferry.broker;

import dev.ferry.error.ErrorCode;
import dev.ferry.error.BrokerException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.ConsumerSpec;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.RecordingSink;

/** Reply-code paths of the virtual host; queue commands run inline for determinism. */
class VirtualHostTest {
    private static final long CONNECTION = 1;
    private static final long OTHER_CONNECTION = 2;

    private final VirtualHost vhost = new VirtualHost("/", () -> Runnable::run);

    private static AbstractThrowableAssert<?, ?> assertRefused(Runnable action, ErrorCode code, String text) {
        return assertThatThrownBy(action::run)
                .isInstanceOf(BrokerException.class)
                .hasMessage(text)
                .satisfies(e -> assertThat(((BrokerException) e).errorCode()).isEqualTo(code));
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        try {
            future.join();
            throw new AssertionError("expected failure");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    private DeclaredQueue declareQueue(String name) {
        return vhost.declareQueue(new QueueDeclaration(name, false, false, false, Map.of(), CONNECTION));
    }

    private static Message message(String exchange, String key, String body) {
        return new Message(exchange, key, MessageProperties.EMPTY, body.getBytes(StandardCharsets.UTF_8));
    }

    // ---- exchanges

    @Test
    void shouldPredeclareTheStandardExchanges() {
        for (String name : new String[] {"", "amq.direct", "amq.fanout", "amq.topic", "amq.headers", "amq.match"}) {
            vhost.checkExchangeExists(name);
        }
    }

    @Test
    void shouldRefuseRedeclaringAnExchangeDifferently() {
        vhost.declareExchange("x", "direct", false, false, false, Map.of());
        vhost.declareExchange("x", "direct", false, false, false, Map.of("unrelated", 1));

        assertRefused(() -> vhost.declareExchange("x", "fanout", false, false, false, Map.of()), ErrorCode.PRECONDITION_FAILED,
                "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'x' in vhost '/': received 'fanout' but current is 'direct'");
        assertRefused(() -> vhost.declareExchange("x", "direct", true, false, false, Map.of()), ErrorCode.PRECONDITION_FAILED,
                "PRECONDITION_FAILED - inequivalent arg 'durable' for exchange 'x' in vhost '/': received 'true' but current is 'false'");
        assertRefused(() -> vhost.declareExchange("x", "direct", false, true, false, Map.of()), ErrorCode.PRECONDITION_FAILED,
                "PRECONDITION_FAILED - inequivalent arg 'auto_delete' for exchange 'x' in vhost '/': received 'true' but current is 'false'");
        assertRefused(() -> vhost.declareExchange("x", "direct", false, false, true, Map.of()), ErrorCode.PRECONDITION_FAILED,
                "PRECONDITION_FAILED - inequivalent arg 'internal' for exchange 'x' in vhost '/': received 'true' but current is 'false'");
        assertRefused(() -> vhost.declareExchange("x", "direct", false, false, false, Map.of("alternate-exchange", "ae")),
                ErrorCode.PRECONDITION_FAILED, "PRECONDITION_FAILED - inequivalent arg 'alternate-exchange' for exchange 'x'"
                        + " in vhost '/': received the value 'ae' of type 'longstr' but current is none");
    }

    @Test
    void shouldRefuseReservedNamesUnknownTypesAndMissingExchanges() {
        assertRefused(() -> vhost.declareExchange("amq.custom", "direct", false, false, false, Map.of()), ErrorCode.ACCESS_REFUSED,
                "ACCESS_REFUSED - exchange name 'amq.custom' contains reserved prefix 'amq.*'");
        assertRefused(() -> vhost.declareExchange("", "direct", false, false, false, Map.of()), ErrorCode.ACCESS_REFUSED,
                "ACCESS_REFUSED - operation not permitted on the default exchange");
        assertRefused(() -> vhost.declareExchange("x", "x-unknown", false, false, false, Map.of()), ErrorCode.COMMAND_INVALID,
                "COMMAND_INVALID - unknown exchange type 'x-unknown'");
        assertRefused(() -> vhost.checkExchangeExists("nope"), ErrorCode.NOT_FOUND,
                "NOT_FOUND - no exchange 'nope' in vhost '/'");
        assertRefused(() -> vhost.declareExchange("x", "direct", false, false, false, Map.of("alternate-exchange", 5)),
                ErrorCode.PRECONDITION_FAILED,
                "PRECONDITION_FAILED - invalid type 'signedint' for arg 'alternate-exchange' in exchange 'x' in vhost '/'");
        assertThat(vhost.exchange("x")).isEmpty();
    }

    @Test
    void shouldTakeAPredeclaredExchangeDeclaredAgainAsItIsAndCompareIt() {
        // RabbitMQ 3.10 refuses the amq. prefix only for an exchange it would create.
        assertThat(vhost.declareExchange("amq.topic", "topic", true, false, false, Map.of())).isCompleted();
        assertThat(vhost.declareExchange("amq.match", "headers", true, false, false, Map.of())).isCompleted();
        assertRefused(() -> vhost.declareExchange("amq.direct", "topic", true, false, false, Map.of()),
                ErrorCode.PRECONDITION_FAILED, "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'amq.direct'"
                        + " in vhost '/': received 'topic' but current is 'direct'");
        assertRefused(() -> vhost.declareExchange("amq.topic", "topic", false, false, false, Map.of()),
                ErrorCode.PRECONDITION_FAILED, "PRECONDITION_FAILED - inequivalent arg 'durable' for exchange 'amq.topic'"
                        + " in vhost '/': received 'false' but current is 'true'");
    }

    @Test
    void shouldUnbindWhatIsMissingWithoutComplaint() {
        declareQueue("q");
        vhost.declareExchange("x", "direct", false, false, false, Map.of());

        // RabbitMQ 3.10 answers unbind-ok whether the queue, the exchange or the binding is there or not.
        assertThat(vhost.unbindQueue("no-queue", "x", "k", Map.of(), CONNECTION)).isCompleted();
        assertThat(vhost.unbindQueue("q", "no-exchange", "k", Map.of(), CONNECTION)).isCompleted();
        assertThat(vhost.unbindQueue("no-queue", "no-exchange", "k", Map.of(), CONNECTION)).isCompleted();
        assertThat(vhost.unbindExchange("no-destination", "x", "k", Map.of())).isCompleted();
        assertThat(vhost.unbindExchange("x", "no-source", "k", Map.of())).isCompleted();
        assertRefused(() -> vhost.unbindQueue("q", "", "q", Map.of(), CONNECTION), ErrorCode.ACCESS_REFUSED,
                "ACCESS_REFUSED - operation not permitted on the default exchange");
        assertThat(vhost.exchange("no-exchange")).isEmpty();
        assertThat(vhost.exchange("no-destination")).isEmpty();
    }

    @Test
    void shouldRefuseDeletingSystemExchangesAndUsedExchangesWhenIfUnused() {
        assertRefused(() -> vhost.deleteExchange("", false), ErrorCode.ACCESS_REFUSED,
                "ACCESS_REFUSED - operation not permitted on the default exchange");
        assertRefused(() -> vhost.deleteExchange("amq.direct", false), ErrorCode.ACCESS_REFUSED,
                "ACCESS_REFUSED - deletion of system exchange 'amq.direct' in vhost '/' not allowed");

        vhost.declareExchange("x", "fanout", false, false, false, Map.of());
        declareQueue("q");
        vhost.bindQueue("q", "x", "", Map.of(), CONNECTION);
        assertRefused(() -> vhost.deleteExchange("x", true), ErrorCode.PRECONDITION_FAILED,
                "PRECONDITION_FAILED - exchange 'x' in vhost '/' in use");

        vhost.deleteExchange("x", false);
        vhost.deleteExchange("x", false);
        assertThat(vhost.exchange("x")).isEmpty();
    }

    @Test
    void shouldRefuseBindingsToOrFromTheDefaultExchangeAndToMissingResources() {
        declareQueue("q");
        vhost.declareExchange("x", "direct", false, false, false, Map.of());

        assertRefused(() -> vhost.bindQueue("q", "", "q", Map.of(), CONNECTION), ErrorCode.ACCESS_REFUSED,
                "ACCESS_REFUSED - operation not permitted on the default exchange");
        assertRefused(() -> vhost.bindExchange("x", "", "k", Map.of()), ErrorCode.ACCESS_REFUSED,
                "ACCESS_REFUSED - operation not permitted on the default exchange");
        assertRefused(() -> vhost.bindExchange("", "x", "k", Map.of()), ErrorCode.ACCESS_REFUSED,
                "ACCESS_REFUSED - operation not permitted on the default exchange");
        assertRefused(() -> vhost.bindQueue("missing", "x", "k", Map.of(), CONNECTION), ErrorCode.NOT_FOUND,
                "NOT_FOUND - no queue 'missing' in vhost '/'");
        assertRefused(() -> vhost.bindQueue("q", "missing", "k", Map.of(), CONNECTION), ErrorCode.NOT_FOUND,
                "NOT_FOUND - no exchange 'missing' in vhost '/'");
        assertRefused(() -> vhost.bindExchange("missing", "x", "k", Map.of()), ErrorCode.NOT_FOUND,
                "NOT_FOUND - no exchange 'missing' in vhost '/'");
        assertRefused(() -> vhost.bindExchange("x", "missing", "k", Map.of()), ErrorCode.NOT_FOUND,
                "NOT_FOUND - no exchange 'missing' in vhost '/'");
    }

    @Test
    void shouldDeleteAnAutoDeleteExchangeWithItsLastBinding() {
        vhost.declareExchange("auto", "fanout", false, true, false, Map.of());
        declareQueue("q");
        vhost.bindQueue("q", "auto", "", Map.of(), CONNECTION);

        vhost.unbindQueue("q", "auto", "", Map.of(), CONNECTION);

        assertThat(vhost.exchange("auto")).isEmpty();
    }

    // ---- queues

    @Test
    void shouldGenerateServerNamesAndReturnCounts() {
        DeclaredQueue declared = declareQueue("");

        assertThat(declared.name()).startsWith("amq.gen-").hasSizeGreaterThan(20);
        assertThat(declared.durable()).isCompleted();
        assertThat(declared.queue().counts().join().messageCount()).isZero();
        assertThat(declareQueue("").name()).isNotEqualTo(declared.name());
        vhost.publish(message("", declared.name(), "m"), false);
        assertThat(vhost.checkQueueExists(declared.name(), CONNECTION)).isEqualTo(new QueueDeclareOk(declared.name(), 1, 0));
    }

    @Test
    void shouldRefuseReservedLongAndMissingQueueNames() {
        assertRefused(() -> declareQueue("amq.q"), ErrorCode.ACCESS_REFUSED,
                "ACCESS_REFUSED - queue name 'amq.q' contains reserved prefix 'amq.*'");
        assertRefused(() -> vhost.checkQueueExists("q1", CONNECTION), ErrorCode.NOT_FOUND,
                "NOT_FOUND - no queue 'q1' in vhost '/'");
        assertThatThrownBy(() -> declareQueue("q".repeat(256)))
                .extracting(e -> ((BrokerException) e).errorCode()).isEqualTo(ErrorCode.PRECONDITION_FAILED);
    }

    @Test
    void shouldRefuseRedeclaringAQueueDifferently() {
        declareQueue("q1");

        assertRefused(() -> vhost.declareQueue(new QueueDeclaration("q1", true, false, false, Map.of(), CONNECTION)),
                ErrorCode.PRECONDITION_FAILED, "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q1' in vhost '/':"
                        + " received 'true' but current is 'false'");
        assertRefused(() -> vhost.declareQueue(new QueueDeclaration("q1", false, false, true, Map.of(), CONNECTION)),
                ErrorCode.PRECONDITION_FAILED, "PRECONDITION_FAILED - inequivalent arg 'auto_delete' for queue 'q1' in vhost '/':"
                        + " received 'true' but current is 'false'");
        assertRefused(() -> vhost.declareQueue(new QueueDeclaration("q1", false, false, false,
                Map.of("x-message-ttl", 1000), CONNECTION)), ErrorCode.PRECONDITION_FAILED,
                "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'q1' in vhost '/':"
                        + " received the value '1000' of type 'signedint' but current is none");
        // Unknown arguments are not compared, and integer widths do not matter.
        vhost.declareQueue(new QueueDeclaration("q1", false, false, false, Map.of("x-custom", "v"), CONNECTION));
        vhost.declareQueue(new QueueDeclaration("t", false, false, false, Map.of("x-message-ttl", 1000), CONNECTION));
        vhost.declareQueue(new QueueDeclaration("t", false, false, false, Map.of("x-message-ttl", 1000L), CONNECTION));
    }

    @Test
    void shouldValidateQueueArgumentsByTypeAndValue() {
        assertRefused(() -> vhost.declareQueue(new QueueDeclaration("q", false, false, false,
                Map.of("x-message-ttl", "soon"), CONNECTION)), ErrorCode.PRECONDITION_FAILED,
                "PRECONDITION_FAILED - invalid arg 'x-message-ttl' for queue 'q' in vhost '/': \"expected integer, got longstr\"");
        assertRefused(() -> vhost.declareQueue(new QueueDeclaration("q", false, false, false,
                Map.of("x-max-length", -1), CONNECTION)), ErrorCode.PRECONDITION_FAILED,
                "PRECONDITION_FAILED - invalid arg 'x-max-length' for queue 'q' in vhost '/': {value_negative,-1}");
        assertRefused(() -> vhost.declareQueue(new QueueDeclaration("q", false, false, false,
                Map.of("x-expires", 0), CONNECTION)), ErrorCode.PRECONDITION_FAILED,
                "PRECONDITION_FAILED - invalid arg 'x-expires' for queue 'q' in vhost '/': {value_zero,0}");
        for (Map<String, Object> bad : java.util.List.<Map<String, Object>>of(
                Map.of("x-overflow", "drop-tail"), Map.of("x-max-priority", 256), Map.of("x-single-active-consumer", 1),
                Map.of("x-dead-letter-routing-key", "k"), Map.of("x-queue-type", "QUORUM"),
                Map.of("x-delivery-limit", -2), Map.of("x-max-length-bytes", 1.5))) {
            String key = bad.keySet().iterator().next();
            assertThatThrownBy(() -> vhost.declareQueue(new QueueDeclaration("q", false, false, false, bad, CONNECTION)))
                    .as(key).hasMessageContaining("invalid arg '" + key + "'")
                    .extracting(e -> ((BrokerException) e).errorCode()).isEqualTo(ErrorCode.PRECONDITION_FAILED);
        }
        DeclaredQueue ok = vhost.declareQueue(new QueueDeclaration("q", false, false, false, Map.of(
                "x-message-ttl", 60_000, "x-max-length", 10L, "x-overflow", "reject-publish",
                "x-dead-letter-exchange", "dlx", "x-dead-letter-routing-key", "dead", "x-max-priority", (byte) 5,
                "x-single-active-consumer", true, "x-queue-type", "classic", "x-whatever", "accepted"), CONNECTION));
        var arguments = vhost.queue(ok.name()).orElseThrow().settings().arguments();
        assertThat(arguments.messageTtlMs()).hasValue(60_000);
        assertThat(arguments.maxLength()).hasValue(10);
        assertThat(arguments.deadLetterExchange()).contains("dlx");
        assertThat(arguments.maxPriority()).hasValue(5);
        assertThat(arguments.singleActiveConsumer()).isTrue();
    }

    @Test
    void shouldCompareARedeclarationWithTheQueueBeforeCheckingItsArguments() {
        vhost.declareQueue(new QueueDeclaration("limited", false, false, false, Map.of("x-max-length", 5), CONNECTION));

        // RabbitMQ 3.10's texts: a redeclaration is inequivalent, whether or not its value would be valid.
        assertRefused(() -> vhost.declareQueue(new QueueDeclaration("limited", false, false, false,
                        Map.of("x-max-length", "5"), CONNECTION)), ErrorCode.PRECONDITION_FAILED,
                "PRECONDITION_FAILED - inequivalent arg 'x-max-length' for queue 'limited' in vhost '/': "
                        + "received '5' but current is '5'");
        assertRefused(() -> vhost.declareQueue(new QueueDeclaration("limited", false, false, false,
                        Map.of("x-max-length", 5, "x-message-ttl", -1), CONNECTION)), ErrorCode.PRECONDITION_FAILED,
                "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'limited' in vhost '/': "
                        + "received the value '-1' of type 'signedint' but current is none");
        // Arguments outside the equivalence list are not looked at, as there.
        assertThat(vhost.declareQueue(new QueueDeclaration("limited", false, false, false,
                Map.of("x-max-length", 5, "x-queue-mode", "fast", "x-queue-type", "classic"), CONNECTION))).isNotNull();
    }

    @Test
    void shouldLockExclusiveQueuesToTheirConnectionAndDeleteThemWhenItCloses() {
        vhost.declareQueue(new QueueDeclaration("mine", false, true, false, Map.of(), CONNECTION));
        String locked = "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'mine' in vhost '/'. It could be"
                + " originally declared on another connection or the exclusive property value does not match that of"
                + " the original declaration.";

        assertRefused(() -> vhost.checkQueueExists("mine", OTHER_CONNECTION), ErrorCode.RESOURCE_LOCKED, locked);
        assertRefused(() -> vhost.declareQueue(new QueueDeclaration("mine", false, true, false, Map.of(), OTHER_CONNECTION)),
                ErrorCode.RESOURCE_LOCKED, locked);
        assertRefused(() -> vhost.declareQueue(new QueueDeclaration("mine", false, false, false, Map.of(), CONNECTION)),
                ErrorCode.RESOURCE_LOCKED, locked);
        assertRefused(() -> vhost.bindQueue("mine", "amq.direct", "k", Map.of(), OTHER_CONNECTION), ErrorCode.RESOURCE_LOCKED, locked);
        vhost.bindQueue("mine", "amq.fanout", "k", Map.of(), CONNECTION);
        assertRefused(() -> vhost.unbindQueue("mine", "amq.fanout", "k", Map.of(), OTHER_CONNECTION),
                ErrorCode.RESOURCE_LOCKED, locked);
        // A binding that is not there is unbound without a look at the queue, as RabbitMQ 3.10 does.
        assertThat(vhost.unbindQueue("mine", "amq.fanout", "other", Map.of(), OTHER_CONNECTION)).isCompleted();
        assertRefused(() -> vhost.purgeQueue("mine", OTHER_CONNECTION), ErrorCode.RESOURCE_LOCKED, locked);
        assertRefused(() -> vhost.deleteQueue("mine", OTHER_CONNECTION, false, false), ErrorCode.RESOURCE_LOCKED, locked);
        assertRefused(() -> vhost.get("mine", new ChannelRef(OTHER_CONNECTION, 1), false), ErrorCode.RESOURCE_LOCKED, locked);
        vhost.declareQueue(new QueueDeclaration("mine", false, true, false, Map.of(), CONNECTION));
        vhost.bindQueue("mine", "amq.direct", "k", Map.of(), CONNECTION);

        vhost.connectionClosed(OTHER_CONNECTION).join();
        assertThat(vhost.queue("mine")).isPresent();
        vhost.connectionClosed(CONNECTION).join();

        assertThat(vhost.queue("mine")).isEmpty();
        assertThat(vhost.exchange("amq.direct").orElseThrow().bindings()).isEmpty();
    }

    @Test
    void shouldAutoDeleteAQueueWhenItsLastConsumerGoesButNotBefore() {
        vhost.declareQueue(new QueueDeclaration("auto", false, false, true, Map.of(), CONNECTION));
        ChannelRef channel = new ChannelRef(CONNECTION, 1);
        vhost.publish(message("", "auto", "m"), false);
        assertThat(vhost.queue("auto")).as("no consumer ever: stays").isPresent();

        MessageQueue queue = vhost.consume("auto", spec(channel, "c1")).join();
        vhost.consume("auto", spec(channel, "c2")).join();
        queue.cancel(channel, "c1").join();
        assertThat(vhost.queue("auto")).isPresent();
        queue.cancel(channel, "c2").join();

        assertThat(vhost.queue("auto")).isEmpty();
    }

    private static ConsumerSpec spec(ChannelRef channel, String tag) {
        return new ConsumerSpec(channel, tag, false, false, 0, null, 0, new RecordingSink());
    }

    @Test
    void shouldRefuseConditionalQueueDeletesAndCancelConsumersOnDelete() {
        declareQueue("q");
        vhost.bindQueue("q", "amq.fanout", "", Map.of(), CONNECTION);
        RecordingSink sink = new RecordingSink();
        ChannelRef channel = new ChannelRef(CONNECTION, 1);
        vhost.consume("q", new ConsumerSpec(channel, "c", false, false, 1, null, 0, sink)).join();
        vhost.publish(message("", "q", "one"), false);
        vhost.publish(message("", "q", "two"), false);

        Throwable inUse = failureOf(vhost.deleteQueue("q", CONNECTION, true, false));
        assertThat(inUse).hasMessage("PRECONDITION_FAILED - queue 'q' in vhost '/' in use");
        Throwable notEmpty = failureOf(vhost.deleteQueue("q", CONNECTION, false, true));
        assertThat(notEmpty).hasMessage("PRECONDITION_FAILED - queue 'q' in vhost '/' not empty");

        assertThat(vhost.deleteQueue("q", CONNECTION, false, false).join()).as("ready messages dropped").isEqualTo(1);
        assertThat(sink.brokerCancels).containsExactly("c");
        assertThat(vhost.queue("q")).isEmpty();
        assertThat(vhost.exchange("amq.fanout").orElseThrow().bindings()).isEmpty();
        assertThat(vhost.deleteQueue("q", CONNECTION, false, false).join()).as("missing queue").isZero();
        assertThat(vhost.publish(message("amq.fanout", "", "three"), false).routed()).isFalse();
    }

    @Test
    void shouldPurgeReadyMessagesAndReportTheCount() {
        declareQueue("q");
        for (int i = 0; i < 3; i++) {
            vhost.publish(message("", "q", "m" + i), false);
        }

        assertThat(vhost.purgeQueue("q", CONNECTION).join()).isEqualTo(3);
        assertThat(vhost.checkQueueExists("q", CONNECTION).messageCount()).isZero();
    }

    // ---- publish

    @Test
    void shouldRouteThroughTheDefaultExchangeAndReportUnroutable() {
        declareQueue("q");

        assertThat(vhost.publish(message("", "q", "m"), false).queueCount()).isEqualTo(1);
        assertThat(vhost.publish(message("", "nobody", "m"), false).routed()).isFalse();
        assertRefused(() -> vhost.publish(message("missing", "k", "m"), false), ErrorCode.NOT_FOUND,
                "NOT_FOUND - no exchange 'missing' in vhost '/'");
        vhost.declareExchange("inner", "fanout", false, false, true, Map.of());
        assertRefused(() -> vhost.publish(message("inner", "k", "m"), false), ErrorCode.ACCESS_REFUSED,
                "ACCESS_REFUSED - cannot publish to internal exchange 'inner' in vhost '/'");
    }

    @Test
    void shouldDeliverOnceToEachQueueThroughChainsAndAlternateExchanges() {
        vhost.declareExchange("entry", "topic", false, false, false, Map.of("alternate-exchange", "unrouted"));
        vhost.declareExchange("unrouted", "fanout", false, false, false, Map.of());
        vhost.declareExchange("inner", "fanout", false, false, true, Map.of());
        declareQueue("orders");
        declareQueue("lost");
        vhost.bindExchange("inner", "entry", "order.*", Map.of());
        vhost.bindQueue("orders", "entry", "order.#", Map.of(), CONNECTION);
        vhost.bindQueue("orders", "inner", "", Map.of(), CONNECTION);
        vhost.bindQueue("lost", "unrouted", "", Map.of(), CONNECTION);

        PublishResult routed = vhost.publish(message("entry", "order.created", "m"), true);
        PublishResult unrouted = vhost.publish(message("entry", "invoice.created", "m"), true);

        assertThat(routed.queueCount()).isEqualTo(1);
        assertThat(routed.accepted().toCompletableFuture()).isCompleted();
        assertThat(unrouted.queueCount()).isEqualTo(1);
        assertThat(vhost.checkQueueExists("orders", CONNECTION).messageCount()).isEqualTo(1);
        assertThat(vhost.checkQueueExists("lost", CONNECTION).messageCount()).isEqualTo(1);
    }

    @Test
    void shouldCompleteTheConfirmOnlyWhenEveryTargetQueueAccepted() {
        java.util.List<Runnable> pending = new java.util.ArrayList<>();
        VirtualHost manual = new VirtualHost("/", () -> pending::add);
        manual.declareQueue(new QueueDeclaration("a", false, false, false, Map.of(), CONNECTION));
        manual.declareQueue(new QueueDeclaration("b", false, false, false, Map.of(), CONNECTION));
        manual.bindQueue("a", "amq.fanout", "", Map.of(), CONNECTION);
        manual.bindQueue("b", "amq.fanout", "", Map.of(), CONNECTION);

        PublishResult result = manual.publish(message("amq.fanout", "", "m"), true);

        assertThat(result.queueCount()).isEqualTo(2);
        assertThat(pending).hasSize(2);
        pending.remove(0).run();
        assertThat(result.accepted().toCompletableFuture()).isNotCompleted();
        pending.remove(0).run();
        assertThat(result.accepted().toCompletableFuture()).isCompleted();
    }
}
