package dev.ferry.broker;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import dev.ferry.queue.InMemoryMessageStore;
import dev.ferry.queue.MessagePriority;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.MessageStore;
import dev.ferry.queue.QueueSettings;

/**
 * What the broker persists through: metadata changes and the message stores of durable queues.
 * {@link #IN_MEMORY} keeps everything in memory (tests, and a broker without a data directory);
 * {@code dev.ferry.store.DiskStorage} writes to the data directory.
 *
 * <p>No method waits for the disk: callers run on event loops and queue threads, holding a
 * virtual host's lock. What must become durable comes back as a future.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public interface BrokerStorage {

    /**
     * Makes a metadata change durable, without waiting. Changes become durable in the order they
     * were recorded, and their futures complete in that order; the future fails if the change could
     * not be stored (and so does every later one, until a restart). Never throws.
     */
    CompletableFuture<Void> record(MetadataRecord change);

    /**
     * The store of a durable, non-exclusive queue.
     *
     * <p>With {@code recover} (restoring at start, before clients connect) the queue's files are
     * opened and its unsettled messages recovered now, on the caller's thread. Without, the queue
     * is new: its files are created later, off the caller's thread (any files already under its
     * name are set aside, not deleted); the returned owner holds the queue's work until they exist,
     * and {@link QueueStore#ready()} completes then.
     *
     * @param owner              the executor that will own the queue
     * @param declarationDurable completes when the queue's declaration is durable (or fails if it
     *                           cannot be); until then the store confirms no message, so that no
     *                           publisher is confirmed for a message whose queue a crash could lose
     */
    QueueStore openQueueStore(QueueSettings settings, boolean recover, Executor owner,
                              CompletableFuture<Void> declarationDurable);

    /** The store of a queue that is not persisted (non-durable or exclusive): its messages never outlive the broker. */
    default MessageStore openTransientQueueStore(QueueSettings settings) {
        return new InMemoryMessageStore(MessagePriority.topLevel(settings.arguments()));
    }

    /** A queue with a store from this storage is live; the storage may schedule its housekeeping. */
    default void queueOpened(MessageQueue queue) {
    }

    /** Keeps nothing: metadata is not recorded and every queue is in memory. */
    BrokerStorage IN_MEMORY = new BrokerStorage() {
        @Override
        public CompletableFuture<Void> record(MetadataRecord change) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public QueueStore openQueueStore(QueueSettings settings, boolean recover, Executor owner,
                                         CompletableFuture<Void> declarationDurable) {
            return QueueStore.ready(new InMemoryMessageStore(MessagePriority.topLevel(settings.arguments())), owner);
        }
    };
}
