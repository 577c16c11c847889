package dev.ferry.queue;

/**
 * How much published work may wait for a queue's owner thread before publishers are held back:
 * messages posted to the queue's mailbox (and the bytes of their bodies) that the owner has not
 * applied yet. Past either bound a publish to the queue reports back-pressure, and the publisher's
 * connection stops reading until the owner has caught up to half of both bounds. This is credit
 * flow in the sense of RabbitMQ's: a queue grants room as it processes, publishers spend it, and
 * they wait when it is spent; here the room is shared by all of the queue's publishers.
 *
 * <p>Why these defaults: the owner applies commands in drains of 256, so at the low mark (512) two
 * drains of work are left, milliseconds at the owner's pace, while a held-back connection needs tens
 * of microseconds to be read again: the owner does not run dry. And publishes in flight should die
 * young: what waits here when a young collection runs is copied, and whatever does not fit the
 * survivor space (about a tenth of the young generation, a MiB or two with the start script's
 * heap) is promoted and fills the old generation. Measured with four publishers flooding a queue
 * nobody consumes (ferry-bench/ingress-memory.sh, 30 s): 4096 messages / 4 MiB gave 10 full
 * collections and 3.4 s of pauses, 1024 / 1 MiB gave 3 and 1.7 s, at the same rate. A single body
 * larger than the byte bound is admitted and holds its publisher until the owner has taken it.
 *
 * @param messages enqueues that may wait for the owner (at least 2)
 * @param bytes    body bytes of those enqueues (at least 2)
 */
public record MailboxLimits(int messages, long bytes) {

    public static final MailboxLimits DEFAULTS = new MailboxLimits(1024, 1024 * 1024);

    /** Bodies may be at most 512 MiB, so this leaves room for over two thousand of the largest to wait. */
    static final long BYTES_CEILING = 1L << 40;
    /** Bit 40 and up count messages; 24 bits of them. */
    static final int MESSAGES_CEILING = 1 << 23;

    public MailboxLimits {
        if (messages < 2 || messages > MESSAGES_CEILING) {
            throw new IllegalArgumentException("mailbox message bound must be between 2 and " + MESSAGES_CEILING
                    + ", got " + messages);
        }
        if (bytes < 2 || bytes > BYTES_CEILING / 2) {
            throw new IllegalArgumentException("mailbox byte bound must be between 2 and " + BYTES_CEILING / 2
                    + ", got " + bytes);
        }
    }

    /** Whether this much waiting work is past the bound. */
    boolean exceeded(int waitingMessages, long waitingBytes) {
        return waitingMessages > messages || waitingBytes > bytes;
    }

    /** Whether the owner has caught up far enough for held-back publishers to go on. */
    boolean caughtUp(int waitingMessages, long waitingBytes) {
        return waitingMessages <= messages / 2 && waitingBytes <= bytes / 2;
    }
}
