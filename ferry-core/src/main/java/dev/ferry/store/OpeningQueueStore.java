package dev.ferry.store;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import dev.ferry.message.Message;
import dev.ferry.queue.DeduplicationWindow;
import dev.ferry.queue.InMemoryMessageStore;
import dev.ferry.queue.MessageStore;
import dev.ferry.queue.PublishConfirm;
import dev.ferry.queue.QueuedMessage;

/**
 * The store of a new durable queue while its files are being created, and the owner
 * executor the queue must use: it holds the queue's work until the files exist, then hands it on
 * to the real owner, and the store passes every call to the {@link LogMessageStore} opened for it.
 *
 * <p>Design note: a declared queue must be usable at once (a pipelined bind or publish on the
 * same channel finds it), but creating its log fsyncs its directory, and no event loop may wait
 * for that. So the queue is built around this store, whose only calls before the files exist come
 * from the queue's constructor (asking what a new store recovered: nothing), and around
 * {@link #owner()}, which keeps the queue's drains waiting meanwhile. Opening runs on a
 * {@link QueueFileThreads} thread; {@link #opened} or {@link #failed} releases the drains.
 * After a failure the queue runs on an in-memory store that nacks every publisher, until the
 * virtual host (whose declaration fails too) deletes it.
 *
 * <p>Thread safety: {@link #opened} / {@link #failed} on the opening thread, once; the
 * {@link MessageStore} methods on the queue's owner thread, which sees the delegate because the
 * drains reach it through {@link #owner()} only after it is set.
 */
final class OpeningQueueStore implements MessageStore {
    private final Executor realOwner;
    private final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Executor gatedOwner = this::executeWhenOpen;
    private volatile MessageStore delegate;
    private volatile Throwable failure;
    private volatile Consumer<QueuedMessage> pagedInListener;
    private volatile DeduplicationWindow window;

    OpeningQueueStore(Executor realOwner) {
        this.realOwner = realOwner;
    }

    /** The executor the queue must be built with. */
    Executor owner() {
        return gatedOwner;
    }

    /** Completes when the files exist, or fails when they could not be created. */
    CompletableFuture<Void> ready() {
        return ready;
    }

    void opened(MessageStore store) {
        attach(store);
        ready.complete(null);
        releaseHeld();
    }

    void failed(Throwable cause) {
        failure = cause;
        attach(new InMemoryMessageStore());
        ready.completeExceptionally(cause);
        releaseHeld();
    }

    private void attach(MessageStore store) {
        Consumer<QueuedMessage> listener = pagedInListener;
        if (listener != null) {
            store.setPagedInListener(listener);
        }
        DeduplicationWindow deduplication = window;
        if (deduplication != null) {
            store.restoreDeduplication(deduplication);
        }
        delegate = store;
    }

    private void executeWhenOpen(Runnable task) {
        if (delegate != null) {
            realOwner.execute(task);
            return;
        }
        held.offer(task);
        if (delegate != null) {
            // Opened while this task was being held: make sure it is not left behind.
            releaseHeld();
        }
    }

    private void releaseHeld() {
        Runnable task;
        while ((task = held.poll()) != null) {
            realOwner.execute(task);
        }
    }

    @Override
    public void append(QueuedMessage message, PublishConfirm confirm) {
        Throwable failed = failure;
        if (failed != null) {
            if (confirm != null) {
                confirm.queueFailed(failed);
            }
            delegate.append(message, null);
            return;
        }
        delegate.append(message, confirm);
    }

    @Override
    public void confirmDuplicate(PublishConfirm confirm) {
        delegate.confirmDuplicate(confirm);
    }

    @Override
    public long journalDeduplicationId(QueuedMessage message, String id, long admittedAtMs) {
        return delegate.journalDeduplicationId(message, id, admittedAtMs);
    }

    @Override
    public void restoreDeduplication(DeduplicationWindow window) {
        // Called by the queue's constructor, before the files exist: a new queue recovers no ids.
        // The window goes to the real store when it is opened, so its journal can be trimmed.
        this.window = window;
        MessageStore opened = delegate;
        if (opened != null) {
            opened.restoreDeduplication(window);
        }
    }

    // What a new store has before it opens; only the queue's constructor asks this early.

    @Override
    public List<QueuedMessage> recovered() {
        MessageStore store = delegate;
        return store == null ? List.of() : store.recovered();
    }

    @Override
    public long firstFreeSequence() {
        MessageStore store = delegate;
        return store == null ? 0 : store.firstFreeSequence();
    }

    @Override
    public void setPagedInListener(Consumer<QueuedMessage> listener) {
        pagedInListener = listener;
        MessageStore store = delegate;
        if (store != null) {
            store.setPagedInListener(listener);
        }
    }

    @Override
    public int readyCount() {
        MessageStore store = delegate;
        return store == null ? 0 : store.readyCount();
    }

    @Override
    public long readyBytes() {
        MessageStore store = delegate;
        return store == null ? 0 : store.readyBytes();
    }

    // Everything else comes from drains, which run only once the delegate is set.

    @Override
    public long nextPagedExpiry() {
        return delegate.nextPagedExpiry();
    }

    @Override
    public void expirePaged(long now, Consumer<Message> expired) {
        delegate.expirePaged(now, expired);
    }

    @Override
    public void endOfDrain() {
        delegate.endOfDrain();
    }

    @Override
    public void maintain() {
        delegate.maintain();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public void deleted() {
        delegate.deleted();
    }

    @Override
    public QueuedMessage pollReady() {
        return delegate.pollReady();
    }

    @Override
    public void returned(QueuedMessage message) {
        delegate.returned(message);
    }

    @Override
    public void returnToReady(QueuedMessage message) {
        delegate.returnToReady(message);
    }

    @Override
    public void settle(QueuedMessage message) {
        delegate.settle(message);
    }

    @Override
    public boolean removeReady(QueuedMessage message) {
        return delegate.removeReady(message);
    }

    @Override
    public boolean isBackedUp(boolean wasBackedUp) {
        return delegate.isBackedUp(wasBackedUp);
    }

    @Override
    public int purgeReady() {
        return delegate.purgeReady();
    }

    @Override
    public String toString() {
        MessageStore store = delegate;
        return store == null ? "OpeningQueueStore[not open yet]" : store.toString();
    }
}
