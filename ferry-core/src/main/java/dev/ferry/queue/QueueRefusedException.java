package dev.ferry.queue;

/**
 * A target queue would not take a published message (x-overflow reject-publish or
 * reject-publish-dlx at its length limit). A publisher in confirm mode gets basic.nack for it.
 * Carries no stack trace: it is an answer, not a fault.
 */
public final class QueueRefusedException extends RuntimeException {

    public QueueRefusedException(String queueDescription) {
        super(queueDescription + " is full and refuses new messages", null, false, false);
    }
}
