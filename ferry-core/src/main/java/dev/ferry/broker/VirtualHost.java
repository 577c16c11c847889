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

import dev.ferry.message.Message;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.ConsumerSpec;
import dev.ferry.queue.DeathHistory;
import dev.ferry.queue.DeathReason;
import dev.ferry.queue.GetResult;
import dev.ferry.queue.MailboxLimits;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.MessageStore;
import dev.ferry.queue.MessageTtl;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueServices;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.QueueTimer;
import dev.ferry.queue.SystemQueueTimer;
import dev.ferry.route.Binding;
import dev.ferry.route.DefaultExchange;
import dev.ferry.route.Destination;
import dev.ferry.route.Exchange;
import dev.ferry.route.ExchangeSettings;
import dev.ferry.route.ExchangeType;
import dev.ferry.route.Router;

/**
 * A namespace of exchanges, queues and bindings, with the declare / delete / bind rules of AMQP
 * 0-9-1 as RabbitMQ applies them, and the entry point for publishing. Refusals are
 * {@link BrokerException}s carrying the AMQP reply code and RabbitMQ's text.
 *
 * <p>Thread safety: every method may be called from any thread. Metadata changes (declare,
 * delete, bind, unbind) are serialized by one lock per virtual host; {@link #publish} takes no lock
 * and reads concurrent maps and the exchanges' routing snapshots. No method ever waits for a queue
 * while holding the lock: queue work is posted as commands, and answers that need the queue's state
 * (purge, conditional delete, consume) come back as futures.
 *
 * <p>Durability: changes to durable exchanges, durable non-exclusive queues and bindings between
 * durable ends are recorded through {@link BrokerStorage#record} under the lock, before the change
 * is visible and before the caller answers the client (a declare-ok follows the fsync). Such
 * queues get their message store from {@link BrokerStorage#openQueueStore}. A restart replays the
 * records through {@link #restore}.
 */
public final class VirtualHost {
    private static final String DEFAULT_EXCHANGE_REFUSAL = "ACCESS_REFUSED - operation not permitted on the default exchange";

    private final String name;
    private final Supplier<? extends Executor> queueOwners;
    private final Object metadataLock = new Object();
    private final ConcurrentHashMap<String, Exchange> exchanges = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, MessageQueue> queues = new ConcurrentHashMap<>();
    // Bindings by where they lead, so deleting a queue or exchange finds its bindings without a scan.
    private final Map<Destination, Set<Binding>> bindingsByDestination = new HashMap<>();
    private final Router router = new Router(exchanges::get);
    private final QueueServices queueServices;
    private final BrokerStorage storage;
    // True while restore() replays recorded metadata: nothing is recorded again, stores are recovered.
    private boolean restoring;

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
        this.storage = Objects.requireNonNull(storage, "storage");
        this.name = Objects.requireNonNull(name, "name");
        this.queueOwners = Objects.requireNonNull(queueOwners, "queueOwners");
        this.queueServices = new QueueServices(queueTimer, this::routeDeadLetter, mailboxLimits);
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

    // ---------------------------------------------------------------- exchanges

    /**
     * Declares an exchange, or checks that an existing one was declared the same way.
     *
     * @throws BrokerException 503 unknown type; 403 empty name or {@code amq.} prefix; 406 an
     *                         existing exchange differs in type, durable, auto_delete, internal or
     *                         alternate-exchange
     */
    public void declareExchange(String exchangeName, String typeName, boolean durable, boolean autoDelete,
                                boolean internal, Map<String, Object> arguments) {
        ExchangeType type = ExchangeType.fromWireName(typeName).orElseThrow(() -> new BrokerException(
                ErrorCode.COMMAND_INVALID, "COMMAND_INVALID - unknown exchange type '" + typeName + "'"));
        if (exchangeName.isEmpty()) {
            throw BrokerException.accessRefused(DEFAULT_EXCHANGE_REFUSAL);
        }
        ResourceNames.requireNotReserved("exchange", exchangeName);
        ResourceNames.requireShortEnough("exchange", exchangeName);
        ExchangeSettings declared = new ExchangeSettings(exchangeName, type, durable, autoDelete, internal, arguments);
        synchronized (metadataLock) {
            Exchange existing = exchanges.get(exchangeName);
            if (existing == null) {
                if (durable) {
                    record(new MetadataRecord.ExchangeDeclared(name, declared));
                }
                exchanges.put(exchangeName, Exchange.create(declared));
                return;
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
        }
    }

    /** A passive exchange.declare: 404 unless it exists. Works for predeclared names too. */
    public void checkExchangeExists(String exchangeName) {
        requireExchange(exchangeName);
    }

    /**
     * Deletes an exchange and every binding from or to it; a missing exchange is not an error.
     *
     * @throws BrokerException 403 for the default or an {@code amq.} exchange; 406 when
     *                         {@code ifUnused} and it is the source of bindings
     */
    public void deleteExchange(String exchangeName, boolean ifUnused) {
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
                return;
            }
            if (ifUnused && exchange.hasBindings()) {
                throw BrokerException.preconditionFailed("PRECONDITION_FAILED - "
                        + ResourceNames.exchange(exchangeName, name) + " in use");
            }
            removeExchangeLocked(exchange);
        }
    }

    public Optional<Exchange> exchange(String exchangeName) {
        return Optional.ofNullable(exchanges.get(exchangeName));
    }

    /**
     * Binds exchange {@code source} to exchange {@code destination} (exchange.bind); binding an
     * existing binding again is a no-op.
     *
     * @throws BrokerException 403 when either is the default exchange; 404 when either is missing;
     *                         406 for invalid headers binding arguments
     */
    public void bindExchange(String destination, String source, String routingKey, Map<String, Object> arguments) {
        requireNotDefault(source);
        requireNotDefault(destination);
        synchronized (metadataLock) {
            Exchange sourceExchange = requireExchange(source);
            requireExchange(destination);
            addBindingLocked(sourceExchange, new Binding(source, Destination.exchange(destination), routingKey, arguments));
        }
    }

    /** Removes an exchange-to-exchange binding; a missing binding is not an error. 403 / 404 as for bind. */
    public void unbindExchange(String destination, String source, String routingKey, Map<String, Object> arguments) {
        requireNotDefault(source);
        requireNotDefault(destination);
        synchronized (metadataLock) {
            requireExchange(source);
            requireExchange(destination);
            unbindLocked(new Binding(source, Destination.exchange(destination), routingKey, arguments));
        }
    }

    // ---------------------------------------------------------------- queues

    /**
     * Declares a queue, or checks that an existing one was declared the same way.
     *
     * @throws BrokerException 403 {@code amq.} prefix; 405 the queue is exclusive to another
     *                         connection (or exclusivity differs); 406 invalid arguments, or an
     *                         existing queue differs in durable, auto_delete or an x-argument
     */
    public QueueDeclareOk declareQueue(QueueDeclaration declaration) {
        String queueName = declaration.name();
        boolean serverNamed = queueName.isEmpty();
        if (!serverNamed) {
            ResourceNames.requireNotReserved("queue", queueName);
            ResourceNames.requireShortEnough("queue", queueName);
        }
        synchronized (metadataLock) {
            while (serverNamed && (queueName.isEmpty() || queues.containsKey(queueName))) {
                queueName = ResourceNames.generateQueueName();
            }
            String description = ResourceNames.queue(queueName, name);
            QueueArguments arguments = QueueArguments.parse(declaration.arguments(), description);
            OptionalLong owner = declaration.exclusive() ? OptionalLong.of(declaration.connectionId()) : OptionalLong.empty();
            MessageQueue existing = queues.get(queueName);
            if (existing != null) {
                QueueSettings current = existing.settings();
                if (!current.exclusiveOwner().equals(owner)) {
                    throw exclusivelyLocked(queueName);
                }
                Equivalence.requireSameField("durable", current.durable(), declaration.durable(), description);
                Equivalence.requireSameField("auto_delete", current.autoDelete(), declaration.autoDelete(), description);
                for (String key : QueueArguments.EQUIVALENCE_KEYS) {
                    Equivalence.requireSameArgument(key, current.arguments().raw().get(key), arguments.raw().get(key),
                            description);
                }
                existing.touch();
                return declareOk(existing);
            }
            QueueSettings settings = new QueueSettings(name, queueName, declaration.durable(), owner,
                    declaration.autoDelete(), arguments);
            MessageStore store;
            if (isPersisted(settings)) {
                record(new MetadataRecord.QueueDeclared(name, queueName, settings.autoDelete(), arguments.raw()));
                store = storage.openQueueStore(settings, restoring);
            } else {
                store = storage.openTransientQueueStore(settings);
            }
            MessageQueue queue = new MessageQueue(settings, store, queueOwners.get(), this::queueDeleted, queueServices);
            queues.put(queueName, queue);
            storage.queueOpened(queue);
            return declareOk(queue);
        }
    }

    /** A passive queue.declare: 404 when missing, 405 when exclusive to another connection. */
    public QueueDeclareOk checkQueueExists(String queueName, long connectionId) {
        return declareOk(requireQueue(queueName, connectionId));
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
     * @throws BrokerException 403 default exchange; 404 queue or exchange missing; 405 exclusive
     *                         queue of another connection; 406 invalid headers binding arguments
     */
    public void bindQueue(String queueName, String exchangeName, String routingKey, Map<String, Object> arguments,
                          long connectionId) {
        requireNotDefault(exchangeName);
        synchronized (metadataLock) {
            requireQueue(queueName, connectionId);
            Exchange exchange = requireExchange(exchangeName);
            addBindingLocked(exchange, new Binding(exchangeName, Destination.queue(queueName), routingKey, arguments));
        }
    }

    /** Removes a queue binding; a missing binding is not an error. 403 / 404 / 405 as for bind. */
    public void unbindQueue(String queueName, String exchangeName, String routingKey, Map<String, Object> arguments,
                            long connectionId) {
        requireNotDefault(exchangeName);
        synchronized (metadataLock) {
            requireQueue(queueName, connectionId);
            requireExchange(exchangeName);
            unbindLocked(new Binding(exchangeName, Destination.queue(queueName), routingKey, arguments));
        }
    }

    /** Drops a queue's ready messages; completes with how many. 404 / 405 thrown at once. */
    public CompletableFuture<Integer> purgeQueue(String queueName, long connectionId) {
        return requireQueue(queueName, connectionId).purge();
    }

    /**
     * Deletes a queue with its bindings and cancels its consumers; completes with the number of ready
     * messages dropped (0 when the queue does not exist). The name is free again when the future
     * completes. Fails with 406 when {@code ifUnused} and it has consumers, or {@code ifEmpty} and it
     * has ready messages; throws 405 at once for another connection's exclusive queue.
     */
    public CompletableFuture<Integer> deleteQueue(String queueName, long connectionId, boolean ifUnused, boolean ifEmpty) {
        MessageQueue queue = queues.get(queueName);
        if (queue == null) {
            return CompletableFuture.completedFuture(0);
        }
        requireExclusiveAccess(queue, connectionId);
        return queue.delete(ifUnused, ifEmpty);
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
        List<MessageQueue> targets = new ArrayList<>(queueNames.size());
        for (String queueName : queueNames) {
            MessageQueue queue = queues.get(queueName);
            if (queue != null) {
                targets.add(queue);
            }
        }
        PublishConfirm tracker = confirm && !targets.isEmpty() ? new PublishConfirm(targets.size()) : null;
        CompletionStage<Void> congestion = null;
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
        return new PublishResult(targets.size(), tracker == null ? PublishResult.ALREADY_ACCEPTED : tracker.accepted(),
                congestion);
    }

    /**
     * Where queues here send dead letters: routed from the dead-letter exchange like a publish, on
     * the dying queue's owner thread, and posted to the targets without waiting. A missing
     * exchange or no matching binding drops the message, as in RabbitMQ; so does a target the
     * message would reach in an automatic cycle ({@link DeathHistory#isAutomaticCycle}).
     */
    private void routeDeadLetter(Message deadLettered, DeathReason reason) {
        Exchange exchange = exchanges.get(deadLettered.exchange());
        if (exchange == null) {
            return;
        }
        for (String queueName : router.route(exchange, deadLettered)) {
            MessageQueue target = queues.get(queueName);
            if (target != null && (reason == DeathReason.REJECTED
                    || !DeathHistory.isAutomaticCycle(deadLettered, queueName))) {
                target.enqueue(deadLettered, null);
            }
        }
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
                        exchanges.put(settings.name(), Exchange.create(settings));
                    }
                } else if (record instanceof MetadataRecord.QueueDeclared declared) {
                    declareQueue(new QueueDeclaration(declared.name(), true, false, declared.autoDelete(),
                            declared.arguments(), 0));
                } else if (record instanceof MetadataRecord.BindingAdded added) {
                    Binding binding = added.binding();
                    Exchange source = requireExchange(binding.source());
                    if (binding.destination().isQueue() ? !queues.containsKey(binding.destination().name())
                            : !exchanges.containsKey(binding.destination().name())) {
                        throw BrokerException.notFound("NOT_FOUND - no " + binding.destination());
                    }
                    addBindingLocked(source, binding);
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
            return queue != null && isPersisted(queue.settings());
        }
        Exchange destination = exchanges.get(binding.destination().name());
        return destination != null && destination.settings().durable();
    }

    private static boolean isPredeclared(String exchangeName) {
        return exchangeName.isEmpty() || exchangeName.startsWith(ResourceNames.RESERVED_PREFIX);
    }

    /** Records a durable change, unless it is being replayed. Caller holds the metadata lock. */
    private void record(MetadataRecord change) {
        assert Thread.holdsLock(metadataLock) : "metadata recorded outside the lock";
        if (!restoring) {
            storage.record(change);
        }
    }

    // ---------------------------------------------------------------- internals

    private Exchange requireExchange(String exchangeName) {
        Exchange exchange = exchanges.get(exchangeName);
        if (exchange == null) {
            throw BrokerException.notFound("NOT_FOUND - no " + ResourceNames.exchange(exchangeName, name));
        }
        return exchange;
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

    private void addBindingLocked(Exchange source, Binding binding) {
        source.validateBindingArguments(binding.arguments());
        if (source.addBinding(binding)) {
            if (isPersisted(binding)) {
                try {
                    record(new MetadataRecord.BindingAdded(name, binding));
                } catch (RuntimeException e) {
                    source.removeBinding(binding);
                    throw e;
                }
            }
            bindingsByDestination.computeIfAbsent(binding.destination(), d -> new HashSet<>()).add(binding);
        }
    }

    /** An explicit unbind: recorded when the binding is durable (cascading removals are not; replay cascades too). */
    private void unbindLocked(Binding binding) {
        Exchange source = exchanges.get(binding.source());
        if (source != null && source.bindings().contains(binding) && isPersisted(binding)) {
            record(new MetadataRecord.BindingRemoved(name, binding));
        }
        removeBindingLocked(binding);
    }

    private void removeBindingLocked(Binding binding) {
        Exchange source = exchanges.get(binding.source());
        if (source == null || !source.removeBinding(binding)) {
            return;
        }
        Set<Binding> toDestination = bindingsByDestination.get(binding.destination());
        if (toDestination != null) {
            toDestination.remove(binding);
            if (toDestination.isEmpty()) {
                bindingsByDestination.remove(binding.destination());
            }
        }
        // An auto-delete exchange goes with its last binding, as in RabbitMQ.
        if (source.settings().autoDelete() && !source.hasBindings()) {
            removeExchangeLocked(source);
        }
    }

    private void removeExchangeLocked(Exchange exchange) {
        if (exchanges.get(exchange.name()) != exchange) {
            return;
        }
        if (exchange.settings().durable()) {
            // Explicit deletes and auto-deletes alike; the bindings it takes along need no records.
            record(new MetadataRecord.ExchangeDeleted(name, exchange.name()));
        }
        exchanges.remove(exchange.name(), exchange);
        for (Binding binding : exchange.bindings()) {
            removeBindingLocked(binding);
        }
        removeBindingsTo(Destination.exchange(exchange.name()));
    }

    private void removeBindingsTo(Destination destination) {
        Set<Binding> bindings = bindingsByDestination.get(destination);
        if (bindings != null) {
            for (Binding binding : List.copyOf(bindings)) {
                removeBindingLocked(binding);
            }
        }
    }

    /** Called on the queue's owner thread once the queue has deleted itself. */
    private void queueDeleted(MessageQueue queue) {
        synchronized (metadataLock) {
            if (queues.get(queue.name()) != queue) {
                return;
            }
            if (isPersisted(queue.settings())) {
                try {
                    record(new MetadataRecord.QueueDeleted(name, queue.name()));
                } catch (RuntimeException e) {
                    // The queue is gone (its store too); a restart will bring it back empty.
                    org.slf4j.LoggerFactory.getLogger(VirtualHost.class).error(
                            "Recording the deletion of {} failed", queue, e);
                }
            }
            queues.remove(queue.name(), queue);
            removeBindingsTo(Destination.queue(queue.name()));
        }
    }

    @Override
    public String toString() {
        return "vhost '" + name + "'";
    }
}
