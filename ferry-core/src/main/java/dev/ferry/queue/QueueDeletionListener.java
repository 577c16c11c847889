package dev.ferry.queue;

/**
 * Told when a queue deletes itself or is deleted, so its virtual host can drop the name and the
 * bindings. Called on the queue's owner thread after the queue stopped accepting work; it may take
 * the virtual host's metadata lock (which never waits for a queue, so this cannot deadlock).
 */
@FunctionalInterface
public interface QueueDeletionListener {
    void queueDeleted(MessageQueue queue);
}
