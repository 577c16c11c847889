package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.ConsumerSpec;
import dev.ferry.queue.InMemoryMessageStore;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.RecordingSink;
import dev.ferry.queue.SystemQueueTimer;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.route.Destination;

/**
 * How the topology methods answer through futures: the change is visible at once, the answer
 * waits until what was recorded is durable, and a record that cannot be stored takes the change
 * back. The storage here holds every record's future for the test to complete, the way a metadata
 * writer completes them after its fsync; queue commands run inline.
 */
class VirtualHostDurabilityTest {
    private static final long CONNECTION = 1;

    /** Records changes without completing them; the test decides when (and whether) each is durable. */
    private static final class HeldStorage implements BrokerStorage {
        final List<MetadataRecord> records = new ArrayList<>();
        final List<CompletableFuture<Void>> futures = new ArrayList<>();
        final List<CompletableFuture<Void>> declarations = new ArrayList<>();

        @Override
        public synchronized CompletableFuture<Void> record(MetadataRecord change) {
            CompletableFuture<Void> future = new CompletableFuture<>();
            records.add(change);
            futures.add(future);
            return future;
        }

        @Override
        public QueueStore openQueueStore(QueueSettings settings, boolean recover, Executor owner,
                                         CompletableFuture<Void> declarationDurable) {
            declarations.add(declarationDurable);
            return QueueStore.ready(new InMemoryMessageStore(), owner);
        }

        void completeAll() {
            futures.forEach(future -> future.complete(null));
        }

        void fail(int index) {
            futures.get(index).completeExceptionally(new IllegalStateException("disk on fire"));
        }
    }

    private final HeldStorage storage = new HeldStorage();
    private final VirtualHost vhost = new VirtualHost("/", () -> Runnable::run, SystemQueueTimer.INSTANCE, storage);

    private DeclaredQueue declareDurable(String name, boolean autoDelete) {
        return vhost.declareQueue(new QueueDeclaration(name, true, false, autoDelete, Map.of(), CONNECTION));
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        try {
            future.join();
            throw new AssertionError("expected a failure");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    @Test
    void shouldMakeADurableChangeVisibleAtOnceAndAnswerWhenItIsStored() {
        DeclaredQueue declared = declareDurable("orders", false);
        // Pipelined on the same channel before the declaration is stored: the queue is there.
        CompletableFuture<Void> bound = vhost.bindQueue("orders", "amq.direct", "k", Map.of(), CONNECTION);

        assertThat(vhost.queue("orders")).isPresent();
        assertThat(vhost.exchange("amq.direct").orElseThrow().bindings()).hasSize(1);
        assertThat(declared.durable()).isNotDone();
        assertThat(bound).isNotDone();
        assertThat(storage.records).containsExactly(
                new MetadataRecord.QueueDeclared("/", "orders", false, Map.of()),
                new MetadataRecord.BindingAdded("/", vhost.exchange("amq.direct").orElseThrow().bindings().iterator().next()));

        storage.futures.get(0).complete(null);
        assertThat(declared.durable()).isCompleted();
        assertThat(storage.declarations.get(0)).as("the store may confirm messages now").isCompleted();
        assertThat(bound).isNotDone();
        storage.futures.get(1).complete(null);
        assertThat(bound).isCompleted();
    }

    @Test
    void shouldAnswerAnOperationThatRecordsNothingOnlyAfterWhatItSawIsStored() {
        DeclaredQueue first = declareDurable("orders", false);
        DeclaredQueue again = declareDurable("orders", false);
        CompletableFuture<Void> transientExchange = vhost.declareExchange("scratch", "direct", false, false, false, Map.of());

        assertThat(storage.records).hasSize(1);
        assertThat(again.durable()).isNotDone();
        assertThat(transientExchange).isNotDone();
        storage.completeAll();
        assertThat(first.durable()).isCompleted();
        assertThat(again.durable()).isCompleted();
        assertThat(transientExchange).isCompleted();
        assertThat(vhost.declareExchange("scratch", "direct", false, false, false, Map.of())).isCompleted();
    }

    @Test
    void shouldTakeBackADeclarationThatCouldNotBeStoredAndFailWith541() {
        CompletableFuture<Void> exchange = vhost.declareExchange("events", "topic", true, false, false, Map.of());
        DeclaredQueue queue = declareDurable("orders", false);
        CompletableFuture<Void> bound = vhost.bindQueue("orders", "events", "#", Map.of(), CONNECTION);

        storage.fail(0);
        storage.fail(1);
        storage.fail(2);

        for (CompletableFuture<?> failed : List.of(exchange, queue.durable(), bound)) {
            assertThat(failureOf(failed)).isInstanceOfSatisfying(BrokerException.class,
                    e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INTERNAL_ERROR));
        }
        assertThat(failureOf(exchange)).hasMessage("INTERNAL_ERROR - storing the declaration of exchange 'events' in vhost '/' failed");
        assertThat(vhost.exchange("events")).isEmpty();
        assertThat(vhost.queue("orders")).isEmpty();
        assertThat(queue.queue().isDeleted()).as("its store let go of its files").isTrue();
        assertThat(storage.declarations.get(0)).as("its store confirms nothing").isCompletedExceptionally();
        assertThat(vhost.durableMetadata()).isEmpty();
    }

    @Test
    void shouldPutBackWhatADeletionThatCouldNotBeStoredTookAway() {
        vhost.declareExchange("events", "topic", true, false, false, Map.of());
        vhost.declareExchange("audit", "fanout", true, false, false, Map.of());
        declareDurable("orders", false);
        vhost.bindQueue("orders", "events", "#", Map.of(), CONNECTION);
        vhost.bindExchange("audit", "events", "#", Map.of());
        storage.completeAll();
        List<MetadataRecord> before = vhost.durableMetadata();

        CompletableFuture<Void> deleted = vhost.deleteExchange("events", false);
        assertThat(vhost.exchange("events")).isEmpty();
        storage.fail(storage.futures.size() - 1);

        assertThat(failureOf(deleted)).isInstanceOf(BrokerException.class);
        assertThat(vhost.durableMetadata()).containsExactlyInAnyOrderElementsOf(before);
        vhost.publish(new Message("events", "x", MessageProperties.EMPTY, "m".getBytes(StandardCharsets.UTF_8)), false);
        assertThat(vhost.queue("orders").orElseThrow().counts().join().messageCount()).as("routing is back too").isEqualTo(1);
    }

    @Test
    void shouldPutBackABindingWhoseRemovalCouldNotBeStored() {
        declareDurable("orders", false);
        vhost.declareExchange("events", "topic", true, false, false, Map.of());
        vhost.bindQueue("orders", "events", "#", Map.of(), CONNECTION);
        storage.completeAll();

        CompletableFuture<Void> unbound = vhost.unbindQueue("orders", "events", "#", Map.of(), CONNECTION);
        storage.fail(storage.futures.size() - 1);

        assertThat(failureOf(unbound)).isInstanceOf(BrokerException.class);
        assertThat(vhost.exchange("events").orElseThrow().bindings())
                .extracting(binding -> binding.destination()).containsExactly(Destination.queue("orders"));
    }

    @Test
    void shouldAnswerADeleteWhenTheDeletionIsStoredAndAutoDeleteWithoutWaiting() {
        declareDurable("orders", false);
        declareDurable("auto", true);
        storage.completeAll();

        CompletableFuture<Integer> deleted = vhost.deleteQueue("orders", CONNECTION, false, false);
        assertThat(vhost.queue("orders")).isEmpty();
        assertThat(storage.records.get(storage.records.size() - 1)).isEqualTo(new MetadataRecord.QueueDeleted("/", "orders"));
        assertThat(deleted).isNotDone();
        storage.completeAll();
        assertThat(deleted).isCompletedWithValue(0);

        // Auto-delete runs on the queue's owner (here: inline) and must not wait for the disk.
        ChannelRef channel = new ChannelRef(CONNECTION, 1);
        MessageQueue auto = vhost.consume("auto", new ConsumerSpec(channel, "c", true, false, 0, null, 0,
                new RecordingSink())).join();
        auto.cancel(channel, "c").join();
        assertThat(vhost.queue("auto")).isEmpty();
        assertThat(storage.records.get(storage.records.size() - 1)).isEqualTo(new MetadataRecord.QueueDeleted("/", "auto"));
        assertThat(storage.futures.get(storage.futures.size() - 1)).isNotDone();
    }

    @Test
    void shouldFailADeleteWhoseDeletionCouldNotBeStored() {
        declareDurable("orders", false);
        storage.completeAll();

        CompletableFuture<Integer> deleted = vhost.deleteQueue("orders", CONNECTION, false, false);
        storage.fail(storage.futures.size() - 1);

        assertThat(failureOf(deleted)).isInstanceOfSatisfying(BrokerException.class,
                e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INTERNAL_ERROR));
    }
}
