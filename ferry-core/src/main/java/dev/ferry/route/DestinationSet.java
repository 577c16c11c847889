package dev.ferry.route;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The destinations reachable under one routing index entry (a direct key, a topic trie node, a
 * fanout exchange), published as an immutable array that routing threads read without a lock.
 *
 * <p>Thread safety: {@link #add} and {@link #remove} must be called by one writer at a time (the
 * virtual host's metadata lock guarantees it); {@link #forEach} and {@link #isEmpty} may be called
 * from any thread at any time and see either the old or the new array, never a torn one.
 *
 * <p>Design note: two bindings can lead to the same destination under the same key (they differ
 * only in arguments). The writer keeps a count per destination so that removing one of them keeps
 * the destination routable; readers only ever see the distinct destinations.
 */
final class DestinationSet {
    private static final Destination[] NONE = new Destination[0];

    private final Map<Destination, Integer> bindingCounts = new HashMap<>();
    private volatile Destination[] snapshot = NONE;

    /** Counts one more binding to {@code destination}. */
    void add(Destination destination) {
        int count = bindingCounts.merge(destination, 1, Integer::sum);
        if (count == 1) {
            Destination[] current = snapshot;
            Destination[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = destination;
            snapshot = next;
        }
    }

    /** Counts one binding fewer; returns whether the set is now empty. */
    boolean remove(Destination destination) {
        Integer count = bindingCounts.get(destination);
        if (count == null) {
            return bindingCounts.isEmpty();
        }
        if (count > 1) {
            bindingCounts.put(destination, count - 1);
            return false;
        }
        bindingCounts.remove(destination);
        snapshot = Arrays.stream(snapshot).filter(d -> !d.equals(destination)).toArray(Destination[]::new);
        return bindingCounts.isEmpty();
    }

    void forEach(Consumer<Destination> sink) {
        for (Destination destination : snapshot) {
            sink.accept(destination);
        }
    }

    boolean isEmpty() {
        return snapshot.length == 0;
    }
}
