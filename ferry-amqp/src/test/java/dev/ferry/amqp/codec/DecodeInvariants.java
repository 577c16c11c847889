package dev.ferry.amqp.codec;

import java.lang.management.ManagementFactory;

/**
 * What every decoder must do with any input, checked by the fuzz tests: give a result or a
 * {@link ProtocolException} (or, for the readers that run over a bounded slice, the
 * {@link IndexOutOfBoundsException} the frame decoder turns into 502), never another exception;
 * and allocate in proportion to the bytes it was given, never to a length the input only claims.
 */
public final class DecodeInvariants {
    /** Heap a decode may use per input byte: objects for the smallest entries (a 2-byte table entry). */
    static final long BYTES_PER_INPUT_BYTE = 256;
    /** Plus this much whatever the input: buffers, the decoder's own objects, the first JIT stubs. */
    static final long FIXED_BYTES = 1 << 20;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private DecodeInvariants() {
    }

    /**
     * Runs {@code decode} twice, failing if it throws anything but the allowed exceptions, and if
     * the second run allocates too much: the first loads whatever classes its path needs, which
     * would otherwise count against the input. {@code decode} must start afresh each time.
     */
    public static void check(int inputBytes, boolean indexErrorsAllowed, Runnable decode) {
        runAllowing(indexErrorsAllowed, decode);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        runAllowing(indexErrorsAllowed, decode);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        long allowed = FIXED_BYTES + BYTES_PER_INPUT_BYTE * inputBytes;
        if (allocated > allowed) {
            throw new AssertionError("decoding " + inputBytes + " bytes allocated " + allocated + " bytes (allowed "
                    + allowed + ")");
        }
    }

    private static void runAllowing(boolean indexErrorsAllowed, Runnable decode) {
        try {
            decode.run();
        } catch (ProtocolException expected) {
            // The input broke a rule and the decoder said which: fine.
        } catch (IndexOutOfBoundsException e) {
            if (!indexErrorsAllowed) {
                throw e;
            }
        }
    }
}
