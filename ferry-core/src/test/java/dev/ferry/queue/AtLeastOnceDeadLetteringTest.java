package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import ch.qos.logback.classic.Level;

import dev.ferry.message.Message;
import dev.ferry.stats.MessageCounter;
import dev.ferry.store.LogCapture;
import dev.ferry.store.StoreFixture;
import dev.ferry.store.StoreKind;

/**
 * x-dead-letter-strategy at-least-once: the queue keeps each dead letter unsettled in its store
 * until the queues it reached have stored it, and routes one again after the retry interval when
 * it reached no queue or a target refused it. Commands run inline, time moves by hand, and the
 * hand-over's answer is given by the test, one future per routing.
 */
class AtLeastOnceDeadLetteringTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);
    private static final long START = 1_700_000_000_000L;
    private static final long RETRY_MS = 5_000;

    /** One routing of a dead letter: what was sent, and the answer the test gives (null: no queue reached). */
    private record Routing(Message message, DeathReason reason, CompletableFuture<Void> stored) {
    }

    @TempDir
    Path directory;
    private final ManualQueueTimer timer = new ManualQueueTimer(START);
    private final List<Routing> routings = new ArrayList<>();
    private boolean routable = true;
    // When set, the hand-over's answer is already there when routing returns (a target that stored it at once).
    private CompletableFuture<Void> answeredAtOnce;
    private StoreFixture stores;
    private MessageQueue queue;

    private final DeadLetterRouter router = new DeadLetterRouter() {
        @Override
        public void route(Message deadLettered, DeathReason reason) {
            throw new AssertionError("an at-least-once queue must ask for the targets' confirm");
        }

        @Override
        public CompletableFuture<Void> routeConfirmed(Message deadLettered, DeathReason reason) {
            CompletableFuture<Void> stored = !routable ? null
                    : answeredAtOnce != null ? answeredAtOnce : new CompletableFuture<>();
            routings.add(new Routing(deadLettered, reason, stored));
            return stored;
        }
    };

    @AfterEach
    void closeStores() {
        stores.close();
    }

    private void newQueue(StoreKind kind, Object... moreArguments) {
        stores = kind.fixture(directory);
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("x-queue-type", "quorum");
        arguments.put("x-overflow", "reject-publish");
        arguments.put("x-dead-letter-exchange", "dlx");
        arguments.put("x-dead-letter-strategy", "at-least-once");
        for (int i = 0; i < moreArguments.length; i += 2) {
            arguments.put((String) moreArguments[i], moreArguments[i + 1]);
        }
        QueueArguments parsed = QueueArguments.parse(arguments, "queue 'q' in vhost '/'");
        assertThat(parsed.deadLetterStrategy()).isEqualTo(DeadLetterStrategy.AT_LEAST_ONCE);
        QueueSettings settings = new QueueSettings("/", "q", kind.durable(), OptionalLong.empty(), false, parsed);
        queue = new MessageQueue(settings, stores.newStore(), Runnable::run, q -> { },
                new QueueServices(timer, router, MailboxLimits.DEFAULTS, RETRY_MS));
    }

    private void publishAndReject(String body) {
        queue.enqueue(new Message("orders", "new", StoreKind.PERSISTENT.withExpiration(null),
                body.getBytes(StandardCharsets.UTF_8)), null);
        GetResult got = queue.get(CHANNEL, false).join();
        queue.settle(CHANNEL, got.delivery().orElseThrow().deliveryId(), SettleOutcome.DISCARD);
    }

    private static String body(Routing routing) {
        return new String(routing.message().body(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldKeepADeadLetterUnsettledUntilItsTargetsHaveIt(StoreKind kind) {
        newQueue(kind);
        publishAndReject("a");

        assertThat(routings).hasSize(1);
        assertThat(routings.get(0).reason()).isEqualTo(DeathReason.REJECTED);
        assertThat(queue.counts().join().messageCount()).isZero();
        stores.assertSettled(queue, 1);

        routings.get(0).stored().complete(null);
        stores.assertSettled(queue, 0);
        timer.advance(RETRY_MS * 3);
        assertThat(routings).as("nothing routed again once stored").hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldRouteTheSameDeadLetterAgainAfterATargetRefusedIt(StoreKind kind) {
        newQueue(kind);
        publishAndReject("b");
        routings.get(0).stored().completeExceptionally(new QueueRefusedException("queue 'dlq' in vhost '/'"));

        timer.advance(RETRY_MS - 1);
        assertThat(routings).as("not before the retry interval").hasSize(1);
        timer.advance(1);
        assertThat(routings).hasSize(2);
        // The same annotated message: its death is recorded once, not once per attempt.
        assertThat(routings.get(1).message()).isSameAs(routings.get(0).message());
        stores.assertSettled(queue, 1);

        routings.get(1).stored().complete(null);
        stores.assertSettled(queue, 0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldKeepRoutingADeadLetterThatReachedNoQueue(StoreKind kind) {
        newQueue(kind);
        routable = false;
        publishAndReject("c");
        timer.advance(RETRY_MS);
        timer.advance(RETRY_MS);
        assertThat(routings).hasSize(3);
        assertThat(routings).extracting(AtLeastOnceDeadLetteringTest::body).containsOnly("c");
        stores.assertSettled(queue, 1);

        routable = true;
        timer.advance(RETRY_MS);
        routings.get(3).stored().complete(null);
        stores.assertSettled(queue, 0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldHandOverExpiredAndOverLimitMessagesTheSameWay(StoreKind kind) {
        newQueue(kind, "x-message-ttl", 1_000, "x-delivery-limit", 0);
        queue.enqueue(new Message("orders", "new", StoreKind.PERSISTENT.withExpiration(null),
                "old".getBytes(StandardCharsets.UTF_8)), null);
        timer.advance(1_000);
        queue.enqueue(new Message("orders", "new", StoreKind.PERSISTENT.withExpiration(null),
                "returned".getBytes(StandardCharsets.UTF_8)), null);
        GetResult got = queue.get(CHANNEL, false).join();
        queue.settle(CHANNEL, got.delivery().orElseThrow().deliveryId(), SettleOutcome.REQUEUE);

        assertThat(routings).extracting(Routing::reason)
                .containsExactly(DeathReason.EXPIRED, DeathReason.DELIVERY_LIMIT);
        stores.assertSettled(queue, 2);
        routings.forEach(routing -> routing.stored().complete(null));
        stores.assertSettled(queue, 0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldDropPendingDeadLettersWithTheQueue(StoreKind kind) {
        newQueue(kind);
        routable = false;
        publishAndReject("d");
        queue.delete(false, false).join();
        timer.advance(RETRY_MS * 2);
        assertThat(routings).as("a deleted queue routes nothing again").hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldCountADeadLetterOnceHoweverOftenItIsRoutedAgain(StoreKind kind) {
        newQueue(kind);
        routable = false;
        publishAndReject("e");
        timer.advance(RETRY_MS);
        timer.advance(RETRY_MS);

        assertThat(routings).hasSize(3);
        assertThat(queue.messageStats()[MessageCounter.DEAD_LETTERED.ordinal()]).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldSettleADeadLetterWhoseTargetsAnsweredBeforeRoutingReturned(StoreKind kind) {
        newQueue(kind);
        answeredAtOnce = CompletableFuture.completedFuture(null);
        publishAndReject("f");

        stores.assertSettled(queue, 0);
        timer.advance(RETRY_MS * 2);
        assertThat(routings).as("nothing routed again once stored").hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldRouteAgainADeadLetterRefusedBeforeRoutingReturned(StoreKind kind) {
        newQueue(kind);
        answeredAtOnce = CompletableFuture.failedFuture(new QueueRefusedException("queue 'dlq' in vhost '/'"));
        publishAndReject("g");
        stores.assertSettled(queue, 1);

        answeredAtOnce = CompletableFuture.completedFuture(null);
        timer.advance(RETRY_MS);
        assertThat(routings).hasSize(2);
        stores.assertSettled(queue, 0);
    }

    /** One warning while dead letters reach no queue, not one per routing; one more once one got through and the next did not. */
    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldWarnOnceWhileDeadLettersReachNoQueue(StoreKind kind) {
        try (LogCapture log = new LogCapture(QueueState.class)) {
            newQueue(kind);
            routable = false;
            publishAndReject("h");
            publishAndReject("i");
            timer.advance(RETRY_MS);
            assertThat(routings).hasSize(4);
            assertThat(log.lines(Level.WARN)).singleElement().asString().contains("reached no queue");

            routable = true;
            timer.advance(RETRY_MS);
            routings.get(4).stored().complete(null);
            routable = false;
            publishAndReject("j");
            assertThat(log.lines(Level.WARN)).hasSize(2);
        }
    }
}
