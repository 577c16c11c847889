package dev.ferry.broker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.message.Message;
import dev.ferry.policy.PolicyDefinitions;
import dev.ferry.policy.QueuePolicy;
import dev.ferry.policy.VirtualHostPolicies;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.ConsumerSpec;
import dev.ferry.queue.DeadLetterRouter;
import dev.ferry.queue.DeathHistory;
import dev.ferry.queue.DeathReason;
import dev.ferry.queue.EnqueueBacklog;
import dev.ferry.queue.GetResult;
import dev.ferry.queue.MailboxLimits;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.MessageTtl;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueServices;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.QueueTimer;
import dev.ferry.queue.SystemQueueTimer;
import dev.ferry.route.Arguments;
import dev.ferry.route.Binding;
import dev.ferry.route.DefaultExchange;
import dev.ferry.route.Destination;
import dev.ferry.route.Exchange;
import dev.ferry.route.ExchangeSettings;
import dev.ferry.route.ExchangeType;
import dev.ferry.route.Router;
import dev.ferry.stats.MessageCounter;
import dev.ferry.stats.VirtualHostMessageCounts;

/**
 * A namespace of exchanges, queues and bindings, with the declare / delete / bind rules of AMQP
 * 0-9-1 as RabbitMQ applies them, and the entry point for publishing. Refusals are
 * {@link BrokerException}s carrying the AMQP reply code and RabbitMQ's text.
 *
 * <p>Thread safety: every method may be called from any thread. Metadata changes (declare,
 * delete, bind, unbind) are serialized by one lock per virtual host; {@link #publish} takes no lock
 * and reads concurrent maps and the exchanges' routing snapshots. No method ever waits while
 * holding the lock, for a queue or for the disk: queue work is posted as commands, metadata is
 * recorded without waiting, and answers come back as futures.
 *
 * <p>Durability: changes to durable exchanges, durable non-exclusive queues and bindings between
 * durable ends are recorded through {@link BrokerStorage#record} under the lock. A change is
 * visible in memory at once (a pipelined {@code queue.declare} no-wait then {@code queue.bind}
 * works, as in RabbitMQ), and the topology methods return a future that completes when it is
 * durable: the front answers the client (declare-ok, bind-ok, delete-ok) then. A method that
 * records nothing still answers only after what it may have seen is durable. If a record cannot
 * be stored, the in-memory change is taken back and the future fails with 541
 * ({@link TopologyChange}). A new durable queue's store confirms no message before the queue's
 * declaration is durable ({@link BrokerStorage#openQueueStore}). A restart replays the records
 * through {@link #restore}.
 *
 * <p>Design note: the topology methods (exchanges, queues, bindings, durability) are kept apart
 * from the message path ({@link #publish}, dead-lettering, consume, get) so that the two can
 * become classes of their own.
 */
public final class VirtualHost {
    private static final String DEFAULT_EXCHANGE_REFUSAL = "ACCESS_REFUSED - operation not permitted on the default exchange";

    private final String name;
    private final Supplier<? extends Executor> queueOwners;
    private final Object metadataLock = new Object();
    private final ConcurrentHashMap<String, Exchange> exchanges = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, MessageQueue> queues = new ConcurrentHashMap<>();
    // Set by AccessControl once a policy change is durable; written under metadataLock.
    private volatile VirtualHostPolicies policies = VirtualHostPolicies.NONE;
    // Bindings by where they lead, so deleting a queue or exchange finds its bindings without a scan.
    private final Map<Destination, Set<Binding>> bindingsByDestination = new HashMap<>();
    private final Router router = new Router(exchanges::get);
    private final QueueServices queueServices;
    // What this host's channels count (publish, confirm, deliver, ack, ...): many writers, so adders.
    private final VirtualHostMessageCounts messageStats = new VirtualHostMessageCounts();
    private final BrokerStorage storage;
    // The topics seen as stream queues here, when this is the virtual host Kafka topics appear in.
    private volatile StreamTargets streams;
    // True while restore() replays recorded metadata: nothing is recorded again, stores are recovered.
    private boolean restoring;
    // The newest record's future: completes once everything recorded so far is durable (in order).
    private volatile CompletableFuture<Void> lastRecorded = CompletableFuture.completedFuture(null);
    // Deletions of queues whose records are not durable yet (or failed), for delete-ok to wait on.
    private final ConcurrentHashMap<MessageQueue, CompletableFuture<Void>> deletionsBeingRecorded =
            new ConcurrentHashMap<>();

    /**
     * @param queueOwners gives each new queue the executor that will own it, e.g.
     *                    {@code pool::assign} of a {@link dev.ferry.queue.QueueExecutorPool}
     */
    public VirtualHost(String name, Supplier<? extends Executor> queueOwners) {
        this(name, queueOwners, SystemQueueTimer.INSTANCE);
    }

    /** @param queueTimer the clock and alarm of every queue here; tests pass a manual one */
    public VirtualHost(String name, Supplier<? extends Executor> queueOwners, QueueTimer queueTimer) {
        this(name, queueOwners, queueTimer, BrokerStorage.IN_MEMORY);
    }

    /** @param storage where durable metadata and durable queues' messages are kept */
    public VirtualHost(String name, Supplier<? extends Executor> queueOwners, QueueTimer queueTimer,
                       BrokerStorage storage) {
        this(name, queueOwners, queueTimer, storage, MailboxLimits.DEFAULTS);
    }

    /** @param mailboxLimits how much published work may wait for each queue's owner before publishers wait */
    public VirtualHost(String name, Supplier<? extends Executor> queueOwners, QueueTimer queueTimer,
                       BrokerStorage storage, MailboxLimits mailboxLimits) {
        this(name, queueOwners, queueTimer, storage, mailboxLimits, QueueServices.DEFAULT_DEAD_LETTER_RETRY_MS);
    }

    /** @param deadLetterRetryMs how long an at-least-once dead letter that could not be handed over waits to be routed again */
    public VirtualHost(String name, Supplier<? extends Executor> queueOwners, QueueTimer queueTimer,
                       BrokerStorage storage, MailboxLimits mailboxLimits, long deadLetterRetryMs) {
        this(name, queueOwners, queueTimer, storage, mailboxLimits, deadLetterRetryMs, EnqueueBacklog.unbounded());
    }

    /** @param backlog the publishes waiting in every queue's mailbox, shared with the broker's other virtual hosts */
    public VirtualHost(String name, Supplier<? extends Executor> queueOwners, QueueTimer queueTimer,
                       BrokerStorage storage, MailboxLimits mailboxLimits, long deadLetterRetryMs, EnqueueBacklog backlog) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.name = Objects.requireNonNull(name, "name");
        this.queueOwners = Objects.requireNonNull(queueOwners, "queueOwners");
        this.queueServices = new QueueServices(queueTimer, new DeadLetterRouter() {
            @Override
            public void route(Message deadLettered, DeathReason reason) {
                messageStats.increment(MessageCounter.DEAD_LETTERED);
                routeDeadLetter(deadLettered, reason);
            }

            @Override
            public CompletableFuture<Void> routeConfirmed(Message deadLettered, DeathReason reason) {
                // Counted per hand-over attempt: a retry (after deadLetterRetryMs) counts again.
                messageStats.increment(MessageCounter.DEAD_LETTERED);
                return routeDeadLetterConfirmed(deadLettered, reason);
            }
        }, mailboxLimits, deadLetterRetryMs, backlog);
        exchanges.put(DefaultExchange.NAME, new DefaultExchange());
        predeclare("amq.direct", ExchangeType.DIRECT);
        predeclare("amq.fanout", ExchangeType.FANOUT);
        predeclare("amq.topic", ExchangeType.TOPIC);
        predeclare("amq.headers", ExchangeType.HEADERS);
        predeclare("amq.match", ExchangeType.HEADERS);
    }

    private void predeclare(String exchangeName, ExchangeType type) {
        exchanges.put(exchangeName, Exchange.create(new ExchangeSettings(exchangeName, type, true, false, false, Map.of())));
    }

    public String name() {
        return name;
    }

    /** The virtual host's message_stats counters: its channels' own, summed when read, and its dead letters. */
    public VirtualHostMessageCounts messageStats() {
        return messageStats;
    }

    /**
     * Makes the streams of {@code streamTargets} (the Kafka topics) appear here as queues:
     * publishes routed to a stream's name are appended to it and queue.bind accepts it. Called
     * once, before clients connect and before {@link #restore} replays bindings to streams.
     */
    public void attachStreams(StreamTargets streamTargets) {
        synchronized (metadataLock) {
            this.streams = Objects.requireNonNull(streamTargets, "streamTargets");
            streamTargets.usePolicies(policies);
        }
    }

    /** Whether this virtual host shows the streams. */
    public boolean hasStreams() {
        return streams != null;
    }

    private boolean isStream(String streamName) {
        StreamTargets current = streams;
        return current != null && current.exists(streamName);
    }

    /**
     * What a stream declaration must pass here before the stream's own checks: 406 in a virtual
     * host without streams, 403 for an {@code amq.} name, 406 (inequivalent x-queue-type) when a
     * queue of another type has the name.
     */
    public void checkStreamDeclaration(String queueName) {
        String description = ResourceNames.queue(queueName, name);
        if (streams == null) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - invalid arg 'x-queue-type' for "
                    + description + ": stream queues are the Kafka topics, shown in the one virtual host "
                    + "chosen with --stream-virtual-host");
        }
        if (!queueName.isEmpty()) {
            ResourceNames.requireNotReserved("queue", queueName);
            ResourceNames.requireShortEnough("queue", queueName);
        }
        MessageQueue existing = queues.get(queueName);
        if (existing != null) {
            Equivalence.requireSameArgument(QueueArguments.QUEUE_TYPE,
                    existing.settings().arguments().raw().get(QueueArguments.QUEUE_TYPE), "stream", description);
        }
    }

    /** queue.delete of a stream: its bindings go, then the stream with its records. */
    public CompletableFuture<Void> deleteStream(String streamName) {
        StreamTargets current = streams;
        if (current == null || !current.exists(streamName)) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> bindingsRemoved;
        synchronized (metadataLock) {
            TopologyChange change = new TopologyChange();
            removeBindingsTo(change, Destination.queue(streamName));
            bindingsRemoved = whenDurable(change, "the deletion of " + ResourceNames.queue(streamName, name));
        }
        return bindingsRemoved.thenCompose(ignored -> current.delete(streamName));
    }

    // ---------------------------------------------------------------- exchanges

    /**
     * Declares an exchange, or checks that an existing one was declared the same way.
     *
     * @return completes when the declaration is durable (fails with 541 if it cannot be stored)
     * @throws BrokerException 503 unknown type; 403 empty name, or {@code amq.} prefix for a new
     *                         exchange (a predeclared one may be declared again, as in RabbitMQ);
     *                         406 an alternate-exchange that is not a name, or an existing exchange
     *                         differs in type, durable, auto_delete, internal or alternate-exchange
     */
    public CompletableFuture<Void> declareExchange(String exchangeName, String typeName, boolean durable,
                                                   boolean autoDelete, boolean internal, Map<String, Object> arguments) {
        ExchangeType type = ExchangeType.fromWireName(typeName).orElseThrow(() -> new BrokerException(
                ErrorCode.COMMAND_INVALID, "COMMAND_INVALID - unknown exchange type '" + typeName + "'"));
        if (exchangeName.isEmpty()) {
            throw BrokerException.accessRefused(DEFAULT_EXCHANGE_REFUSAL);
        }
        ExchangeSettings declared = new ExchangeSettings(exchangeName, type, durable, autoDelete, internal, arguments);
        synchronized (metadataLock) {
            Exchange existing = exchanges.get(exchangeName);
            if (existing == null) {
                // RabbitMQ checks the name and the alternate exchange only for an exchange it is to create.
                ResourceNames.requireNotReserved("exchange", exchangeName);
                ResourceNames.requireShortEnough("exchange", exchangeName);
                Object alternate = declared.arguments().get(ExchangeSettings.ALTERNATE_EXCHANGE);
                if (alternate != null && !(alternate instanceof String)) {
                    throw BrokerException.preconditionFailed("PRECONDITION_FAILED - invalid type '"
                            + Arguments.amqpTypeName(alternate) + "' for arg '" + ExchangeSettings.ALTERNATE_EXCHANGE
                            + "' in " + ResourceNames.exchange(exchangeName, name));
                }
                Exchange created = Exchange.create(declared);
                applyPolicy(created);
                exchanges.put(exchangeName, created);
                TopologyChange change = new TopologyChange();
                if (durable) {
                    record(change, new MetadataRecord.ExchangeDeclared(name, declared));
                    change.undoWith(() -> forgetExchange(created));
                }
                return whenDurable(change, "the declaration of " + ResourceNames.exchange(exchangeName, name));
            }
            ExchangeSettings current = existing.settings();
            String description = ResourceNames.exchange(exchangeName, name);
            Equivalence.requireSameField("type", current.type().wireName(), type.wireName(), description);
            Equivalence.requireSameField("durable", current.durable(), durable, description);
            Equivalence.requireSameField("auto_delete", current.autoDelete(), autoDelete, description);
            Equivalence.requireSameField("internal", current.internal(), internal, description);
            Equivalence.requireSameArgument(ExchangeSettings.ALTERNATE_EXCHANGE,
                    current.arguments().get(ExchangeSettings.ALTERNATE_EXCHANGE),
                    declared.arguments().get(ExchangeSettings.ALTERNATE_EXCHANGE), description);
            return afterRecorded();
        }
    }

    /** A passive exchange.declare: 404 unless it exists. Works for predeclared names too. */
    public void checkExchangeExists(String exchangeName) {
        requireExchange(exchangeName);
    }

    /**
     * Deletes an exchange and every binding from or to it; a missing exchange is not an error.
     *
     * @return completes when the deletion is durable (fails with 541 if it cannot be stored)
     * @throws BrokerException 403 for the default or an {@code amq.} exchange; 406 when
     *                         {@code ifUnused} and it is the source of bindings
     */
    public CompletableFuture<Void> deleteExchange(String exchangeName, boolean ifUnused) {
        if (exchangeName.isEmpty()) {
            throw BrokerException.accessRefused(DEFAULT_EXCHANGE_REFUSAL);
        }
        if (exchangeName.startsWith(ResourceNames.RESERVED_PREFIX)) {
            throw BrokerException.accessRefused("ACCESS_REFUSED - deletion of system "
                    + ResourceNames.exchange(exchangeName, name) + " not allowed");
        }
        synchronized (metadataLock) {
            Exchange exchange = exchanges.get(exchangeName);
            if (exchange == null) {
                return afterRecorded();
            }
            if (ifUnused && exchange.hasBindings()) {
                throw BrokerException.preconditionFailed("PRECONDITION_FAILED - "
                        + ResourceNames.exchange(exchangeName, name) + " in use");
            }
            TopologyChange change = new TopologyChange();
            removeExchangeLocked(change, exchange);
            return whenDurable(change, "the deletion of " + ResourceNames.exchange(exchangeName, name));
        }
    }

    public Optional<Exchange> exchange(String exchangeName) {
        return Optional.ofNullable(exchanges.get(exchangeName));
    }

    /** The exchanges that exist now, the default one (named "") and the predeclared ones included. */
    public List<Exchange> exchanges() {
        return List.copyOf(exchanges.values());
    }

    /**
     * Binds exchange {@code source} to exchange {@code destination} (exchange.bind); binding an
     * existing binding again is a no-op.
     *
     * @return completes when the binding is durable (fails with 541 if it cannot be stored)
     * @throws BrokerException 403 when either is the default exchange; 404 when either is missing;
     *                         406 for invalid headers binding arguments
     */
    public CompletableFuture<Void> bindExchange(String destination, String source, String routingKey,
                                                Map<String, Object> arguments) {
        requireNotDefault(source);
        requireNotDefault(destination);
        synchronized (metadataLock) {
            Exchange sourceExchange = requireExchange(source);
            requireExchange(destination);
            Binding binding = new Binding(source, Destination.exchange(destination), routingKey, arguments);
            TopologyChange change = new TopologyChange();
            addBindingLocked(change, sourceExchange, binding);
            return whenDurable(change, "a binding from " + ResourceNames.exchange(source, name));
        }
    }

    /**
     * Removes an exchange-to-exchange binding; a missing binding is not an error, nor (as in
     * RabbitMQ 3.10) a missing source or destination. 403 for the default exchange. Completes when
     * the removal is durable.
     */
    public CompletableFuture<Void> unbindExchange(String destination, String source, String routingKey,
                                                  Map<String, Object> arguments) {
        requireNotDefault(source);
        requireNotDefault(destination);
        synchronized (metadataLock) {
            TopologyChange change = new TopologyChange();
            unbindLocked(change, new Binding(source, Destination.exchange(destination), routingKey, arguments));
            return whenDurable(change, "the removal of a binding from " + ResourceNames.exchange(source, name));
        }
    }

    // ---------------------------------------------------------------- queues

    /**
     * Declares a queue, or checks that an existing one was declared the same way. The queue is
     * usable at once; {@link DeclaredQueue#durable()} says when declare-ok may be sent.
     *
     * @throws BrokerException 403 {@code amq.} prefix; 405 the queue is exclusive to another
     *                         connection (or exclusivity differs); 406 invalid arguments, or an
     *                         existing queue differs in durable, auto_delete or an x-argument
     */
    public DeclaredQueue declareQueue(QueueDeclaration declaration) {
        String queueName = declaration.name();
        boolean serverNamed = queueName.isEmpty();
        // A restored queue may have a reserved name: the broker gave a server-named queue its amq.gen- one.
        if (!serverNamed && !restoring) {
            ResourceNames.requireNotReserved("queue", queueName);
            ResourceNames.requireShortEnough("queue", queueName);
        }
        synchronized (metadataLock) {
            while (serverNamed && (queueName.isEmpty() || queues.containsKey(queueName))) {
                queueName = ResourceNames.generateQueueName();
            }
            String description = ResourceNames.queue(queueName, name);
            if (!serverNamed && isStream(queueName)) {
                Equivalence.requireSameArgument(QueueArguments.QUEUE_TYPE, "stream",
                        declaration.arguments() == null ? null : declaration.arguments().get(QueueArguments.QUEUE_TYPE),
                        description);
            }
            OptionalLong owner = declaration.exclusive() ? OptionalLong.of(declaration.connectionId()) : OptionalLong.empty();
            MessageQueue existing = queues.get(queueName);
            if (existing != null) {
                // As RabbitMQ: a redeclaration is compared with the queue, its arguments not checked on their own,
                // so a value the queue does not have is "inequivalent" even where it would be invalid too.
                QueueSettings current = existing.settings();
                if (!current.exclusiveOwner().equals(owner)) {
                    throw exclusivelyLocked(queueName);
                }
                Equivalence.requireSameField("durable", current.durable(), declaration.durable(), description);
                Equivalence.requireSameField("auto_delete", current.autoDelete(), declaration.autoDelete(), description);
                Map<String, Object> received = Arguments.copyWithoutVoids(declaration.arguments());
                for (String key : QueueArguments.EQUIVALENCE_KEYS) {
                    if (key.equals(QueueArguments.QUEUE_TYPE)) {
                        QueueTypeRules.requireSameType(current.arguments(), received, description);
                        continue;
                    }
                    Equivalence.requireSameArgument(key, current.arguments().raw().get(key), received.get(key),
                            description);
                }
                existing.touch();
                return new DeclaredQueue(existing, afterRecorded());
            }
            QueueArguments arguments = QueueArguments.parse(declaration.arguments(), description);
            if (serverNamed) {
                QueueTypeRules.checkServerNamed(arguments);
            }
            QueueTypeRules.checkNewQueue(declaration, arguments, description);
            QueueTypeRules.logFallbacks(arguments, description);
            QueueSettings settings = new QueueSettings(name, queueName, declaration.durable(), owner,
                    declaration.autoDelete(), arguments);
            if (!isPersisted(settings)) {
                MessageQueue queue = new MessageQueue(settings, storage.openTransientQueueStore(settings),
                        queueOwners.get(), this::queueDeleted, queueServices);
                applyPolicy(queue, policies.forQueue(queueName));
                queues.put(queueName, queue);
                storage.queueOpened(queue);
                return new DeclaredQueue(queue, afterRecorded());
            }
            // Its store holds confirms until this completes: see BrokerStorage.openQueueStore.
            CompletableFuture<Void> declared = new CompletableFuture<>();
            QueueStore store = storage.openQueueStore(settings, restoring, queueOwners.get(), declared);
            MessageQueue queue = new MessageQueue(settings, store.store(), store.owner(), this::queueDeleted, queueServices);
            applyPolicy(queue, policies.forQueue(queueName));
            queues.put(queueName, queue);
            storage.queueOpened(queue);
            TopologyChange change = new TopologyChange();
            change.awaits(store.ready());
            CompletableFuture<Void> recorded = record(change,
                    new MetadataRecord.QueueDeclared(name, queueName, settings.autoDelete(), arguments.raw()));
            change.undoWith(() -> forgetQueue(queue, recorded));
            CompletableFuture<Void> durable = whenDurable(change, "the declaration of " + description);
            durable.whenComplete((ignored, error) -> {
                if (error == null) {
                    declared.complete(null);
                } else {
                    declared.completeExceptionally(error);
                }
            });
            return new DeclaredQueue(queue, durable);
        }
    }

    /** The policies and operator policies of this virtual host as they stand. */
    public VirtualHostPolicies policies() {
        return policies;
    }

    /**
     * The virtual host's policies changed (a durable change, applied by AccessControl): every queue
     * whose policy, operator policy or their definition changed gets its new effective arguments
     * through a queue command, at once; every exchange its alternate exchange; the streams what
     * the policies set on them. Queues declared later get them when they are created.
     */
    public void usePolicies(VirtualHostPolicies next) {
        synchronized (metadataLock) {
            VirtualHostPolicies previous = policies;
            policies = next;
            for (MessageQueue queue : queues.values()) {
                QueuePolicy after = next.forQueue(queue.name());
                if (!VirtualHostPolicies.sameForQueue(previous.forQueue(queue.name()), after)) {
                    queue.applyArguments(after.effectiveArguments(queue.settings().arguments(),
                            queue.settings().description()));
                }
            }
            exchanges.values().forEach(this::applyPolicy);
            StreamTargets current = streams;
            if (current != null) {
                current.usePolicies(next);
            }
        }
    }

    private void applyPolicy(MessageQueue queue, QueuePolicy policy) {
        if (!policy.isEmpty()) {
            queue.applyArguments(policy.effectiveArguments(queue.settings().arguments(), queue.settings().description()));
        }
    }

    private void applyPolicy(Exchange exchange) {
        exchange.usePolicyAlternateExchange(policies.forExchange(exchange.name())
                .map(p -> p.definition().get(PolicyDefinitions.ALTERNATE_EXCHANGE))
                .filter(String.class::isInstance).map(String.class::cast).orElse(null));
    }

    /**
     * A passive queue.declare: 404 when missing, 405 when exclusive to another connection. Like any
     * other use, it renews the queue's x-expires lease, as in RabbitMQ.
     */
    public QueueDeclareOk checkQueueExists(String queueName, long connectionId) {
        MessageQueue queue = requireQueue(queueName, connectionId);
        queue.touch();
        return declareOk(queue);
    }

    public Optional<MessageQueue> queue(String queueName) {
        return Optional.ofNullable(queues.get(queueName));
    }

    /** The queues that exist now. */
    public List<MessageQueue> queues() {
        return List.copyOf(queues.values());
    }

    /**
     * Binds a queue to an exchange (queue.bind); binding an existing binding again is a no-op.
     *
     * @return completes when the binding is durable (fails with 541 if it cannot be stored)
     * @throws BrokerException 403 default exchange; 404 queue or exchange missing; 405 exclusive
     *                         queue of another connection; 406 invalid headers binding arguments
     */
    public CompletableFuture<Void> bindQueue(String queueName, String exchangeName, String routingKey,
                                             Map<String, Object> arguments, long connectionId) {
        requireNotDefault(exchangeName);
        synchronized (metadataLock) {
            requireQueueOrStream(queueName, connectionId);
            Exchange exchange = requireExchange(exchangeName);
            TopologyChange change = new TopologyChange();
            addBindingLocked(change, exchange, new Binding(exchangeName, Destination.queue(queueName), routingKey, arguments));
            return whenDurable(change, "a binding of " + ResourceNames.queue(queueName, name));
        }
    }

    /**
     * Removes a queue binding; a missing binding is not an error, nor (as in RabbitMQ 3.10) a
     * missing queue or exchange. 403 for the default exchange; 405 for a binding of another
     * connection's exclusive queue (RabbitMQ checks that only when the binding exists). Completes
     * when the removal is durable.
     */
    public CompletableFuture<Void> unbindQueue(String queueName, String exchangeName, String routingKey,
                                               Map<String, Object> arguments, long connectionId) {
        requireNotDefault(exchangeName);
        synchronized (metadataLock) {
            Binding binding = new Binding(exchangeName, Destination.queue(queueName), routingKey, arguments);
            Exchange source = exchanges.get(exchangeName);
            if (source == null || !source.bindings().contains(binding)) {
                return afterRecorded();
            }
            MessageQueue queue = queues.get(queueName);
            if (queue != null) {
                requireExclusiveAccess(queue, connectionId);
            }
            TopologyChange change = new TopologyChange();
            unbindLocked(change, binding);
            return whenDurable(change, "the removal of a binding of " + ResourceNames.queue(queueName, name));
        }
    }

    /**
     * Deletes every queue (exclusive ones too) and every exchange but the default and {@code amq.*}
     * ones, as deleting the virtual host does; completes when the deletions are durable.
     */
    public CompletableFuture<Void> deleteContents() {
        List<CompletableFuture<?>> deletions = new ArrayList<>();
        for (MessageQueue queue : queues()) {
            deletions.add(queue.delete(false, false).thenCompose(dropped -> {
                CompletableFuture<Void> recorded = deletionsBeingRecorded.remove(queue);
                return recorded != null ? recorded : afterRecorded();
            }));
        }
        for (String exchangeName : List.copyOf(exchanges.keySet())) {
            if (!exchangeName.isEmpty() && !exchangeName.startsWith(ResourceNames.RESERVED_PREFIX)) {
                deletions.add(deleteExchange(exchangeName, false));
            }
        }
        return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new));
    }

    /** Drops a queue's ready messages; completes with how many. 404 / 405 thrown at once. */
    public CompletableFuture<Integer> purgeQueue(String queueName, long connectionId) {
        return requireQueue(queueName, connectionId).purge();
    }

    /**
     * Deletes a queue with its bindings and cancels its consumers; completes with the number of ready
     * messages dropped (0 when the queue does not exist), once the deletion is durable. The name is
     * free again when the future completes. Fails with 406 when {@code ifUnused} and it has
     * consumers, or {@code ifEmpty} and it has ready messages, with 541 when the deletion could not
     * be stored; throws 405 at once for another connection's exclusive queue.
     */
    public CompletableFuture<Integer> deleteQueue(String queueName, long connectionId, boolean ifUnused, boolean ifEmpty) {
        MessageQueue queue = queues.get(queueName);
        if (queue == null) {
            return afterRecorded().thenApply(ignored -> 0);
        }
        requireExclusiveAccess(queue, connectionId);
        // The queue's owner calls queueDeleted (which records the deletion) before this completes.
        return queue.delete(ifUnused, ifEmpty).thenCompose(dropped -> {
            CompletableFuture<Void> recorded = deletionsBeingRecorded.remove(queue);
            return (recorded != null ? recorded : afterRecorded()).thenApply(ignored -> dropped);
        });
    }

    /**
     * Registers a consumer on a queue; completes with the queue, which the channel keeps to cancel,
     * settle and close. 404 / 405 thrown at once; 403 exclusive-use refusals fail the future.
     */
    public CompletableFuture<MessageQueue> consume(String queueName, ConsumerSpec spec) {
        MessageQueue queue = requireQueue(queueName, spec.channel().connectionId());
        return queue.consume(spec).thenApply(registered -> queue);
    }

    /** basic.get: one ready message or none. 404 / 405 thrown at once. */
    public CompletableFuture<GetResult> get(String queueName, ChannelRef channel, boolean noAck) {
        return requireQueue(queueName, channel.connectionId()).get(channel, noAck);
    }

    /**
     * The queue a channel on {@code connectionId} may consume from or get from, looked up now: 404
     * when it does not exist, 405 when it is exclusive to another connection. A front that posts
     * its consume or get to the queue itself knows the queue before the queue answers, so it can
     * tell the queue when the channel closes even if that happens first.
     */
    public MessageQueue accessibleQueue(String queueName, long connectionId) {
        return requireQueue(queueName, connectionId);
    }

    /**
     * The connection is gone: deletes its exclusive queues. Completes when they are deleted. (Its
     * channels must be closed on each queue they used with {@link MessageQueue#closeChannel}.)
     */
    public CompletableFuture<Void> connectionClosed(long connectionId) {
        List<CompletableFuture<Integer>> deletions = new ArrayList<>();
        for (MessageQueue queue : queues.values()) {
            OptionalLong owner = queue.settings().exclusiveOwner();
            if (owner.isPresent() && owner.getAsLong() == connectionId) {
                deletions.add(queue.delete(false, false));
            }
        }
        return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new));
    }

    // ---------------------------------------------------------------- publish

    /**
     * Routes a message on the caller's thread and hands it to every queue it reaches, each once.
     * No lock is taken.
     *
     * @param confirm whether to track acceptance for a publisher confirm
     * @throws BrokerException 404 when the exchange does not exist; 403 when it is internal; 406
     *                         when the expiration property is not a TTL
     */
    public PublishResult publish(Message message, boolean confirm) {
        return publish(message, confirm, -1);
    }

    /**
     * As {@link #publish(Message, boolean)}, for a publisher on connection {@code publisherConnectionId}.
     * The result's congestion is the first reason found among the queues reached: a queue whose
     * mailbox is past its bound ({@link MessageQueue#enqueue}), or a queue whose consumers are behind
     * ({@link MessageQueue#congestion()}) unless one of them is on that same connection (see
     * {@link MessageQueue#hasConsumerOn}: holding up its reads would hold up its acks). A full
     * mailbox is reported even then: the owner catches up on its own, acks or not.
     */
    public PublishResult publish(Message message, boolean confirm, long publisherConnectionId) {
        MessageTtl.parse(message.properties().expiration());
        Exchange exchange = exchanges.get(message.exchange());
        if (exchange == null) {
            throw BrokerException.notFound("NOT_FOUND - no " + ResourceNames.exchange(message.exchange(), name));
        }
        if (exchange.isInternal()) {
            throw BrokerException.accessRefused("ACCESS_REFUSED - cannot publish to internal "
                    + ResourceNames.exchange(message.exchange(), name));
        }
        Set<String> queueNames = router.route(exchange, message);
        exchange.countPublished(queueNames.size());
        List<MessageQueue> targets = new ArrayList<>(queueNames.size());
        List<String> streamNames = null;
        for (String queueName : queueNames) {
            MessageQueue queue = queues.get(queueName);
            if (queue != null) {
                targets.add(queue);
            } else if (isStream(queueName)) {
                if (streamNames == null) {
                    streamNames = new ArrayList<>(1);
                }
                streamNames.add(queueName);
            }
        }
        int reached = targets.size() + (streamNames == null ? 0 : streamNames.size());
        PublishConfirm tracker = confirm && reached > 0 ? new PublishConfirm(reached) : null;
        CompletionStage<Void> congestion = null;
        if (streamNames != null) {
            congestion = appendToStreams(streamNames, message, tracker);
        }
        for (MessageQueue queue : targets) {
            CompletableFuture<Void> backPressure = queue.enqueue(message, tracker);
            if (congestion == null && backPressure != null) {
                congestion = backPressure;
            } else if (congestion == null) {
                CompletableFuture<Void> congested = queue.congestion();
                if (congested != null && !queue.hasConsumerOn(publisherConnectionId)) {
                    congestion = congested;
                }
            }
        }
        return new PublishResult(reached, tracker == null ? PublishResult.ALREADY_ACCEPTED : tracker.accepted(),
                congestion);
    }

    /**
     * Each stream gets the message as one record; a confirm waits for the fsync that makes it
     * durable, and a failed append (topic deleted meanwhile, record too large) nacks it. Returns the
     * first stream's congestion (its backlog of appends past its bound), or null.
     */
    private CompletableFuture<Void> appendToStreams(List<String> streamNames, Message message, PublishConfirm tracker) {
        StreamTargets current = streams;
        CompletableFuture<Void> congestion = null;
        for (String streamName : streamNames) {
            CompletableFuture<?> appended;
            try {
                appended = current.appendIfExists(streamName, message);
            } catch (RuntimeException e) {
                appended = CompletableFuture.failedFuture(e);
            }
            if (appended == null) {
                appended = CompletableFuture.failedFuture(BrokerException.notFound("NOT_FOUND - no "
                        + ResourceNames.queue(streamName, name)));
            }
            if (tracker != null) {
                appended.whenComplete((result, error) -> {
                    if (error == null) {
                        tracker.queueAccepted();
                    } else {
                        tracker.queueFailed(error);
                    }
                });
            }
            if (congestion == null) {
                congestion = current.congestion(streamName);
            }
        }
        return congestion;
    }

    /**
     * Where queues here send dead letters: routed from the dead-letter exchange like a publish, on
     * the dying queue's owner thread, and posted to the targets without waiting. A missing
     * exchange or no matching binding drops the message, as in RabbitMQ; so does a target the
     * message would reach in an automatic cycle ({@link DeathHistory#isAutomaticCycle}).
     */
    private void routeDeadLetter(Message deadLettered, DeathReason reason) {
        for (MessageQueue target : deadLetterTargets(deadLettered, reason)) {
            target.enqueue(deadLettered, null);
        }
    }

    /**
     * An at-least-once hand-over: routed as {@link #routeDeadLetter}, with a confirm that completes
     * once every target queue has stored the message; {@code null} when it reaches no queue.
     */
    private CompletableFuture<Void> routeDeadLetterConfirmed(Message deadLettered, DeathReason reason) {
        List<MessageQueue> targets = deadLetterTargets(deadLettered, reason);
        if (targets.isEmpty()) {
            return null;
        }
        PublishConfirm tracker = new PublishConfirm(targets.size());
        for (MessageQueue target : targets) {
            target.enqueue(deadLettered, tracker);
        }
        return tracker.accepted();
    }

    private List<MessageQueue> deadLetterTargets(Message deadLettered, DeathReason reason) {
        Exchange exchange = exchanges.get(deadLettered.exchange());
        if (exchange == null) {
            return List.of();
        }
        List<MessageQueue> targets = new ArrayList<>(2);
        for (String queueName : router.route(exchange, deadLettered)) {
            MessageQueue target = queues.get(queueName);
            if (target != null && (reason == DeathReason.REJECTED
                    || !DeathHistory.isAutomaticCycle(deadLettered, queueName))) {
                targets.add(target);
            }
        }
        return targets;
    }

    // ---------------------------------------------------------------- durability

    /**
     * Replays one recorded declaration or binding on start, before any client connects: the
     * entity is created without being recorded again, and a durable queue's store recovers its
     * messages. Deletions are not replayed; the records are folded first (see
     * {@code dev.ferry.store.MetadataReplay}).
     *
     * @throws BrokerException if the record no longer fits (a binding to a missing exchange, say)
     */
    public void restore(MetadataRecord record) {
        assert record.virtualHost().equals(name) : "record of vhost '" + record.virtualHost() + "' restored in " + this;
        synchronized (metadataLock) {
            restoring = true;
            try {
                if (record instanceof MetadataRecord.ExchangeDeclared declared) {
                    ExchangeSettings settings = declared.settings();
                    if (!exchanges.containsKey(settings.name())) {
                        Exchange restored = Exchange.create(settings);
                        applyPolicy(restored);
                        exchanges.put(settings.name(), restored);
                    }
                } else if (record instanceof MetadataRecord.QueueDeclared declared) {
                    declareQueue(new QueueDeclaration(declared.name(), true, false, declared.autoDelete(),
                            declared.arguments(), 0));
                } else if (record instanceof MetadataRecord.BindingAdded added) {
                    Binding binding = added.binding();
                    Exchange source = requireExchange(binding.source());
                    if (binding.destination().isQueue()
                            ? !queues.containsKey(binding.destination().name()) && !isStream(binding.destination().name())
                            : !exchanges.containsKey(binding.destination().name())) {
                        throw BrokerException.notFound("NOT_FOUND - no " + binding.destination());
                    }
                    addBindingLocked(new TopologyChange(), source, binding);
                } else {
                    throw new IllegalArgumentException("only declarations are restored, not " + record);
                }
            } finally {
                restoring = false;
            }
        }
    }

    /**
     * The durable metadata as it stands: durable exchanges (not the predeclared ones), durable
     * non-exclusive queues, and bindings between durable ends, as declarations. What a compacted
     * metadata log holds.
     */
    public List<MetadataRecord> durableMetadata() {
        List<MetadataRecord> records = new ArrayList<>();
        synchronized (metadataLock) {
            for (Exchange exchange : exchanges.values()) {
                if (exchange.settings().durable() && !isPredeclared(exchange.name())) {
                    records.add(new MetadataRecord.ExchangeDeclared(name, exchange.settings()));
                }
            }
            for (MessageQueue queue : queues.values()) {
                if (isPersisted(queue.settings())) {
                    records.add(new MetadataRecord.QueueDeclared(name, queue.name(), queue.settings().autoDelete(),
                            queue.settings().arguments().raw()));
                }
            }
            for (Exchange exchange : exchanges.values()) {
                for (Binding binding : exchange.bindings()) {
                    if (isPersisted(binding)) {
                        records.add(new MetadataRecord.BindingAdded(name, binding));
                    }
                }
            }
        }
        return records;
    }

    /** Whether a queue outlives a restart: durable and not exclusive (exclusive queues never do). */
    private static boolean isPersisted(QueueSettings settings) {
        return settings.durable() && !settings.exclusive();
    }

    private boolean isPersisted(Binding binding) {
        Exchange source = exchanges.get(binding.source());
        if (source == null || !source.settings().durable() || binding.source().isEmpty()) {
            return false;
        }
        if (binding.destination().isQueue()) {
            MessageQueue queue = queues.get(binding.destination().name());
            return queue != null ? isPersisted(queue.settings()) : isStream(binding.destination().name());
        }
        Exchange destination = exchanges.get(binding.destination().name());
        return destination != null && destination.settings().durable();
    }

    private static boolean isPredeclared(String exchangeName) {
        return exchangeName.isEmpty() || exchangeName.startsWith(ResourceNames.RESERVED_PREFIX);
    }

    /**
     * Records a durable change without waiting, unless it is being replayed; {@code change} awaits
     * it. Caller holds the metadata lock. Returns the record's future (null while restoring).
     */
    private CompletableFuture<Void> record(TopologyChange change, MetadataRecord record) {
        assert Thread.holdsLock(metadataLock) : "metadata recorded outside the lock";
        if (restoring) {
            return null;
        }
        CompletableFuture<Void> recorded = storage.record(record);
        lastRecorded = recorded;
        change.awaits(recorded);
        return recorded;
    }

    /** The future of an operation: durable when {@code change} is, or as {@link #afterRecorded()} if it recorded nothing. */
    private CompletableFuture<Void> whenDurable(TopologyChange change, String description) {
        return change.isEmpty() ? afterRecorded() : change.whenDurable(metadataLock, description);
    }

    /**
     * For an operation that recorded nothing: completes once everything recorded before is
     * durable, since the answer may rest on it (a redeclare of a queue whose declaration is still
     * being written). A failure there is the failing operation's to report, not this one's.
     */
    private CompletableFuture<Void> afterRecorded() {
        CompletableFuture<Void> last = lastRecorded;
        return last.isDone() ? CompletableFuture.completedFuture(null) : last.handle((ignored, error) -> null);
    }

    // ---------------------------------------------------------------- internals

    private Exchange requireExchange(String exchangeName) {
        Exchange exchange = exchanges.get(exchangeName);
        if (exchange == null) {
            throw BrokerException.notFound("NOT_FOUND - no " + ResourceNames.exchange(exchangeName, name));
        }
        return exchange;
    }

    /** A queue (404 / 405 as {@link #requireQueue}) or, failing that, a stream of that name. */
    private void requireQueueOrStream(String queueName, long connectionId) {
        if (!queues.containsKey(queueName) && isStream(queueName)) {
            return;
        }
        requireQueue(queueName, connectionId);
    }

    private MessageQueue requireQueue(String queueName, long connectionId) {
        MessageQueue queue = queues.get(queueName);
        if (queue == null) {
            throw BrokerException.notFound("NOT_FOUND - no " + ResourceNames.queue(queueName, name));
        }
        requireExclusiveAccess(queue, connectionId);
        return queue;
    }

    private void requireExclusiveAccess(MessageQueue queue, long connectionId) {
        OptionalLong owner = queue.settings().exclusiveOwner();
        if (owner.isPresent() && owner.getAsLong() != connectionId) {
            throw exclusivelyLocked(queue.name());
        }
    }

    private BrokerException exclusivelyLocked(String queueName) {
        return BrokerException.resourceLocked("RESOURCE_LOCKED - cannot obtain exclusive access to locked "
                + ResourceNames.queue(queueName, name) + ". It could be originally declared on another connection"
                + " or the exclusive property value does not match that of the original declaration.");
    }

    private static void requireNotDefault(String exchangeName) {
        if (exchangeName.isEmpty()) {
            throw BrokerException.accessRefused(DEFAULT_EXCHANGE_REFUSAL);
        }
    }

    private static QueueDeclareOk declareOk(MessageQueue queue) {
        return new QueueDeclareOk(queue.name(), queue.messageCount(), queue.consumerCount());
    }

    private void addBindingLocked(TopologyChange change, Exchange source, Binding binding) {
        source.validateBindingArguments(binding.arguments());
        if (source.addBinding(binding)) {
            index(binding);
            if (isPersisted(binding)) {
                record(change, new MetadataRecord.BindingAdded(name, binding));
                change.undoWith(() -> unlinkBinding(binding));
            }
        }
    }

    /** An explicit unbind: recorded when the binding is durable (cascading removals are not; replay cascades too). */
    private void unbindLocked(TopologyChange change, Binding binding) {
        Exchange source = exchanges.get(binding.source());
        if (source != null && source.bindings().contains(binding) && isPersisted(binding)) {
            record(change, new MetadataRecord.BindingRemoved(name, binding));
            change.undoWith(() -> relinkBinding(binding));
        }
        removeBindingLocked(change, binding);
    }

    private void removeBindingLocked(TopologyChange change, Binding binding) {
        Exchange source = exchanges.get(binding.source());
        if (source == null || !source.removeBinding(binding)) {
            return;
        }
        unindex(binding);
        // An auto-delete exchange goes with its last binding, as in RabbitMQ.
        if (source.settings().autoDelete() && !source.hasBindings()) {
            removeExchangeLocked(change, source);
        }
    }

    private void removeExchangeLocked(TopologyChange change, Exchange exchange) {
        if (exchanges.get(exchange.name()) != exchange) {
            return;
        }
        List<Binding> from = List.copyOf(exchange.bindings());
        List<Binding> to = List.copyOf(bindingsByDestination.getOrDefault(Destination.exchange(exchange.name()), Set.of()));
        exchanges.remove(exchange.name(), exchange);
        if (exchange.settings().durable()) {
            // Explicit deletes and auto-deletes alike; the bindings it takes along need no records.
            record(change, new MetadataRecord.ExchangeDeleted(name, exchange.name()));
            change.undoWith(() -> reinstateExchange(exchange, from, to));
        }
        for (Binding binding : from) {
            unlinkBinding(exchange, binding);
        }
        removeBindingsTo(change, Destination.exchange(exchange.name()));
    }

    private void removeBindingsTo(TopologyChange change, Destination destination) {
        Set<Binding> bindings = bindingsByDestination.get(destination);
        if (bindings != null) {
            for (Binding binding : List.copyOf(bindings)) {
                removeBindingLocked(change, binding);
            }
        }
    }

    private void index(Binding binding) {
        bindingsByDestination.computeIfAbsent(binding.destination(), d -> new HashSet<>()).add(binding);
    }

    private void unindex(Binding binding) {
        Set<Binding> toDestination = bindingsByDestination.get(binding.destination());
        if (toDestination != null) {
            toDestination.remove(binding);
            if (toDestination.isEmpty()) {
                bindingsByDestination.remove(binding.destination());
            }
        }
    }

    // ---------------------------------------------------------------- undoing changes that could not be stored
    // These run under the lock when a record failed; they change memory only (nothing is recorded,
    // nothing cascades), and each checks that what it takes back is still there.

    private void unlinkBinding(Binding binding) {
        Exchange source = exchanges.get(binding.source());
        if (source != null) {
            unlinkBinding(source, binding);
        }
    }

    private void unlinkBinding(Exchange source, Binding binding) {
        if (source.removeBinding(binding)) {
            unindex(binding);
        }
    }

    private void relinkBinding(Binding binding) {
        Exchange source = exchanges.get(binding.source());
        boolean destinationExists = binding.destination().isQueue() ? queues.containsKey(binding.destination().name())
                : exchanges.containsKey(binding.destination().name());
        if (source != null && destinationExists && source.addBinding(binding)) {
            index(binding);
        }
    }

    private void forgetExchange(Exchange exchange) {
        if (!exchanges.remove(exchange.name(), exchange)) {
            return;
        }
        for (Binding binding : List.copyOf(exchange.bindings())) {
            unlinkBinding(exchange, binding);
        }
        for (Binding binding : List.copyOf(bindingsByDestination.getOrDefault(Destination.exchange(exchange.name()), Set.of()))) {
            unlinkBinding(binding);
        }
    }

    private void reinstateExchange(Exchange exchange, List<Binding> from, List<Binding> to) {
        if (exchanges.putIfAbsent(exchange.name(), exchange) != null) {
            return;
        }
        from.forEach(this::relinkBinding);
        to.forEach(this::relinkBinding);
    }

    /**
     * A declared queue whose declaration could not be stored (or whose files could not be
     * created): it leaves memory, and is deleted so its store lets go of its files. If its record
     * did reach the disk (only its files failed), a deletion is recorded so a restart agrees.
     */
    private void forgetQueue(MessageQueue queue, CompletableFuture<Void> recorded) {
        if (queues.remove(queue.name(), queue)) {
            for (Binding binding : List.copyOf(bindingsByDestination.getOrDefault(Destination.queue(queue.name()), Set.of()))) {
                unlinkBinding(binding);
            }
        }
        // queueDeleted finds the name gone and records nothing.
        queue.delete(false, false);
        if (recorded != null && recorded.isDone() && !recorded.isCompletedExceptionally()) {
            lastRecorded = storage.record(new MetadataRecord.QueueDeleted(name, queue.name()));
        }
    }

    /**
     * Called on the queue's owner thread once the queue has deleted itself (explicitly, by
     * auto-delete or x-expires): frees the name, removes the bindings and records the deletion,
     * without waiting for it to be durable. {@link #deleteQueue} answers once it is.
     */
    private void queueDeleted(MessageQueue queue) {
        synchronized (metadataLock) {
            if (queues.get(queue.name()) != queue) {
                return;
            }
            TopologyChange change = new TopologyChange();
            if (isPersisted(queue.settings())) {
                record(change, new MetadataRecord.QueueDeleted(name, queue.name()));
            }
            queues.remove(queue.name(), queue);
            removeBindingsTo(change, Destination.queue(queue.name()));
            if (change.isEmpty()) {
                return;
            }
            // The queue's messages are gone whatever happens; a failed record means a restart brings it back empty.
            CompletableFuture<Void> durable = change.whenDurable(metadataLock, "the deletion of " + queue.settings().description());
            deletionsBeingRecorded.put(queue, durable);
            durable.whenComplete((ignored, error) -> {
                if (error == null) {
                    deletionsBeingRecorded.remove(queue, durable);
                }
            });
        }
    }

    @Override
    public String toString() {
        return "vhost '" + name + "'";
    }
}
