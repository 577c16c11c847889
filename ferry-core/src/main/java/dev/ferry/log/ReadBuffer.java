package dev.ferry.log;

import java.nio.ByteBuffer;

/**
 * Where a reader that walks a log decodes its large slices ({@link LogSlice#readRecords(ReadBuffer)}):
 * one buffer off the Java heap, reused from slice to slice and freed by {@link #close()}. Slices
 * smaller than {@link LargeBuffers#DIRECT_FROM_BYTES} are read on the heap as
 * {@link LogSlice#readRecords()} reads them; this buffer exists for large message bodies, which
 * would otherwise cost a heap array of their size (and a temporary native copy inside the file
 * channel) every time they are read back.
 *
 * <p>The records of a slice read into it refer to its memory: they are valid until the next slice
 * is read into the same buffer, or the buffer is closed. A reader that keeps a record longer must
 * copy what it needs first (a queue's store decodes each record into a message at once).
 *
 * <p>Thread safety: none; one reader on one thread. Closing twice is harmless.
 */
public final class ReadBuffer implements AutoCloseable {
    private ByteBuffer buffer;

    /** A buffer of at least {@code bytes}, position 0 and limit {@code bytes}; its earlier contents are gone. */
    ByteBuffer take(int bytes) {
        if (buffer == null || buffer.capacity() < bytes) {
            LargeBuffers.free(buffer);
            buffer = null; // nothing refers to freed memory, even if the allocation below fails
            buffer = LargeBuffers.allocate(bytes);
        }
        return buffer.clear().limit(bytes);
    }

    /** Frees the buffer; records read into it must not be touched any more. */
    @Override
    public void close() {
        LargeBuffers.free(buffer);
        buffer = null;
    }
}
