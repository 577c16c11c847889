package dev.ferry.kafka.fetch;

/**
 * The session epochs of Kafka's fetch request (KIP-227): 0 opens a session with a full fetch, -1
 * closes one (or asks for none), and each incremental fetch carries the next epoch after the last.
 */
public final class FetchEpochs {
    /** A full fetch that asks for a new session. */
    public static final int INITIAL = 0;
    /** A full fetch that wants no session (and closes the one it names). */
    public static final int FINAL = -1;
    /** The session id of "no session". */
    public static final int NO_SESSION = 0;

    private FetchEpochs() {
    }

    /** Whether a request with this epoch is a full fetch (it names every partition it wants). */
    public static boolean isFull(int epoch) {
        return epoch == INITIAL || epoch == FINAL;
    }

    /** The epoch after {@code epoch}: one more, wrapping to 1 after the largest int, as Kafka's clients count. */
    public static int next(int epoch) {
        if (epoch < 0) {
            return FINAL;
        }
        return epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
    }
}
