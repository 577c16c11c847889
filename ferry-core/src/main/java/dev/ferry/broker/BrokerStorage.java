package dev.ferry.broker;

import dev.ferry.queue.InMemoryMessageStore;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.MessageStore;
import dev.ferry.queue.QueueSettings;

/**
 * What the broker persists through: metadata changes and the message stores of durable queues.
 * {@link #IN_MEMORY} keeps everything in memory (tests, and a broker without a data directory);
 * {@code dev.ferry.store.DiskStorage} writes to the data directory.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public interface BrokerStorage {

    /**
     * Makes a metadata change durable before returning (the declare-ok is sent after it). Called
     * under the virtual host's metadata lock; metadata changes are rare, so waiting here is fine.
     *
     * @throws RuntimeException if the change could not be stored; the operation then fails
     */
    void record(MetadataRecord change);

    /**
     * The store of a durable, non-exclusive queue. With {@code recover} the queue's files are
     * opened and its unsettled messages recovered; without, any files of an earlier queue of the
     * same name are removed first, so a new queue starts empty.
     */
    MessageStore openQueueStore(QueueSettings settings, boolean recover);

    /** The store of a queue that is not persisted (non-durable or exclusive): its messages never outlive the broker. */
    default MessageStore openTransientQueueStore(QueueSettings settings) {
        return new InMemoryMessageStore();
    }

    /** A queue with a store from this storage is live; the storage may schedule its housekeeping. */
    default void queueOpened(MessageQueue queue) {
    }

    /** Keeps nothing: metadata is not recorded and every queue is in memory. */
    BrokerStorage IN_MEMORY = new BrokerStorage() {
        @Override
        public void record(MetadataRecord change) {
        }

        @Override
        public MessageStore openQueueStore(QueueSettings settings, boolean recover) {
            return new InMemoryMessageStore();
        }
    };
}
