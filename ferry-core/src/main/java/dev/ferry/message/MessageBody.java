package dev.ferry.message;

import dev.ferry.memory.DirectMemory;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A message's body: a heap array for most messages; for a large one, off-heap memory given back
 * as soon as its last holder releases it.
 *
 * <p>Why: with the serial collector every heap array of a megabyte or more is allocated in the
 * old generation, and a stream of 16 MiB messages (each one's body at ingress, and again when
 * read back from the queue's log) filled it every few messages: a full collection every 100-200 ms,
 * 35-45 ms each, which every other client of the broker waited out (docs/benchmarks/ingress-memory.md).
 * Off the heap, such a body costs the collector nothing.
 *
 * <p>Reference counting, and why it is safe to miss a release: a large body starts with one
 * reference, its creator's. Whoever keeps the body past the call that handed it over takes its own
 * ({@link #retain}) while the giver still holds one, and gives it back ({@link #release}) when done;
 * the memory is freed when the count reaches zero. A holder that never releases costs no more than
 * a heap body did: the collector frees the memory once the body is unreachable. Taking a reference
 * after the count reached zero throws, so a missing {@code retain} shows up as an error, not as a
 * read of freed memory. Heap bodies ignore both calls.
 *
 * <p>Readers use {@link #buffer()} or {@link #array()} while they hold a reference (or while a
 * caller that holds one waits for them).
 */
public final class MessageBody {
    /** Bodies from this size up live off the heap: the serial collector's pretenuring size in bin/ferry. */
    public static final int DIRECT_FROM_BYTES = Integer.getInteger("ferry.directBodyBytes", 1024 * 1024);

    /**
     * The most off-heap body bytes held at once; beyond it, large bodies go on the heap as they
     * used to. Half of bin/ferry's -XX:MaxDirectMemorySize (256 MiB), so that Netty's and the log's
     * direct buffers keep room, and so that the JDK never gets to its last resort for a full direct
     * memory (a full collection and up to a second of retries per allocation).
     */
    public static final long DIRECT_LIMIT_BYTES = Long.getLong("ferry.directBodyLimitBytes", 128L * 1024 * 1024);

    public static final MessageBody EMPTY = new MessageBody(new byte[0]);

    private static final AtomicLong DIRECT_BYTES_IN_USE = new AtomicLong();
    private static final AtomicLong DIRECT_BYTES_LEFT_TO_COLLECTOR = new AtomicLong();
    // Uncounts a body nobody released once the collector finds it (its buffer's own cleaner frees the memory).
    private static final Cleaner UNCOUNTER = Cleaner.create();
    private static final AtomicIntegerFieldUpdater<MessageBody> REFERENCES =
            AtomicIntegerFieldUpdater.newUpdater(MessageBody.class, "references");

    private final byte[] array; // null for an off-heap body
    private final ByteBuffer direct; // null for a heap body; position 0, limit = size
    private final int size;
    private final Uncount uncount; // null for a heap body
    private final Cleaner.Cleanable uncountOnce; // null for a heap body
    private volatile int references;

    private MessageBody(byte[] array) {
        this.array = array;
        this.direct = null;
        this.size = array.length;
        this.uncount = null;
        this.uncountOnce = null;
        this.references = 1;
    }

    private MessageBody(ByteBuffer direct) {
        this.array = null;
        this.direct = direct;
        this.size = direct.capacity();
        this.references = 1;
        DIRECT_BYTES_IN_USE.addAndGet(size);
        this.uncount = new Uncount(size);
        this.uncountOnce = UNCOUNTER.register(this, uncount);
    }

    /** A heap body that takes {@code array} as it is (the caller no longer modifies it). */
    public static MessageBody of(byte[] array) {
        Objects.requireNonNull(array, "array");
        return array.length == 0 ? EMPTY : new MessageBody(array);
    }

    /**
     * A zero-filled body of {@code size} bytes for its creator to fill ({@link #fillView()}) before
     * handing it on: off the heap from {@link #DIRECT_FROM_BYTES} up, with the creator's reference.
     * On the heap when off-heap bodies would pass {@link #DIRECT_LIMIT_BYTES}, or direct memory is
     * exhausted: a message is never failed for it.
     */
    public static MessageBody allocate(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative body size " + size);
        }
        if (size == 0) {
            return EMPTY;
        }
        if (size >= DIRECT_FROM_BYTES && DIRECT_BYTES_IN_USE.get() + size <= DIRECT_LIMIT_BYTES) {
            try {
                return new MessageBody(DirectMemory.allocate(size));
            } catch (OutOfMemoryError e) {
                // Direct memory is full (-XX:MaxDirectMemorySize): the heap still takes it.
            }
        }
        return new MessageBody(new byte[size]);
    }

    /** A body holding a copy of {@code source}'s remaining bytes (its position is not moved). */
    public static MessageBody copyOf(ByteBuffer source) {
        if (source == null || !source.hasRemaining()) {
            return EMPTY;
        }
        MessageBody body = allocate(source.remaining());
        body.fillView().put(source.duplicate());
        return body;
    }

    /** Bytes held off the heap by bodies not yet freed, over the whole JVM (for the memory alarm and tests). */
    public static long directBytesInUse() {
        return DIRECT_BYTES_IN_USE.get();
    }

    /**
     * Bytes of off-heap bodies that nobody released, freed by the collector instead, since the JVM
     * started: a path that keeps bodies without giving them back shows up here.
     */
    public static long directBytesLeftToCollector() {
        return DIRECT_BYTES_LEFT_TO_COLLECTOR.get();
    }

    public int size() {
        return size;
    }

    public boolean isDirect() {
        return direct != null;
    }

    /**
     * The creator's writable view of the whole body, position 0, before anyone else sees it; a
     * heap body's view writes through to its array.
     */
    public ByteBuffer fillView() {
        return direct != null ? direct.duplicate() : ByteBuffer.wrap(array);
    }

    /**
     * A view of the body, position 0 and limit its size, valid while a reference is held. Not
     * read-only, so that encoders take their bulk-copy path (a read-only heap buffer hides its
     * array): readers must not write to it.
     */
    public ByteBuffer buffer() {
        if (direct == null) {
            return ByteBuffer.wrap(array);
        }
        checkLive();
        return direct.duplicate();
    }

    /**
     * The body as an array: a heap body's own array (not a copy: do not modify it), an off-heap
     * body's bytes copied into a new one. Paths that may see large bodies use {@link #buffer()}.
     */
    public byte[] array() {
        if (direct == null) {
            return array;
        }
        checkLive();
        byte[] copy = new byte[size];
        direct.duplicate().get(copy);
        return copy;
    }

    /** Takes one more reference; returns this body. */
    public MessageBody retain() {
        if (direct == null) {
            return this;
        }
        while (true) {
            int count = references;
            if (count <= 0) {
                throw new IllegalStateException("message body of " + size + " bytes already freed");
            }
            if (REFERENCES.compareAndSet(this, count, count + 1)) {
                return this;
            }
        }
    }

    /** Gives back one reference; the last one frees an off-heap body's memory. */
    public void release() {
        if (direct == null) {
            return;
        }
        int count = REFERENCES.decrementAndGet(this);
        if (count == 0) {
            uncount.released = true;
            uncountOnce.clean();
            DirectMemory.free(direct);
        } else if (count < 0) {
            throw new IllegalStateException("message body of " + size + " bytes released once more than retained");
        }
    }

    /** References held (1 for a heap body, which does not count them). */
    public int references() {
        return references;
    }

    private void checkLive() {
        if (references <= 0) {
            throw new IllegalStateException("message body of " + size + " bytes read after it was freed");
        }
    }

    /**
     * Takes an off-heap body's bytes out of the count, once: at its last release, or when the
     * collector finds the body unreleased (the buffer's own cleaner frees the memory then). Holds
     * no reference to the body, which would keep it from being collected.
     */
    private static final class Uncount implements Runnable {
        private final long size;
        volatile boolean released;

        Uncount(long size) {
            this.size = size;
        }

        @Override
        public void run() {
            DIRECT_BYTES_IN_USE.addAndGet(-size);
            if (!released) {
                DIRECT_BYTES_LEFT_TO_COLLECTOR.addAndGet(size);
            }
        }
    }
}
