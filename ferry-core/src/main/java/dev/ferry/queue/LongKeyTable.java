package dev.ferry.queue;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A map from {@code long} keys to non-null values with no boxing: open addressing, linear probing,
 * removal by shifting the rest of a probe run back, so no tombstones accumulate. A queue keeps its
 * unacked deliveries here by delivery id; a {@code HashMap<Long, ...>} boxed each id on put, get and
 * remove, a few dozen bytes of garbage for every message acked.
 *
 * <p>Not thread-safe: a queue's owner thread is its only user.
 */
final class LongKeyTable<V> {
    private static final int MIN_CAPACITY = 16;

    private long[] keys;
    private Object[] values;
    private int size;
    private int shift;

    LongKeyTable() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new Object[capacity];
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    /** Fibonacci hashing spreads sequential ids (the usual keys) over the whole table. */
    private int home(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        int mask = keys.length - 1;
        for (int slot = home(key); values[slot] != null; slot = (slot + 1) & mask) {
            if (keys[slot] == key) {
                return (V) values[slot];
            }
        }
        return null;
    }

    /** Adds or replaces; returns the value replaced, or null. */
    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        if (value == null) {
            throw new IllegalArgumentException("null values are not stored");
        }
        int mask = keys.length - 1;
        int slot = home(key);
        for (; values[slot] != null; slot = (slot + 1) & mask) {
            if (keys[slot] == key) {
                V previous = (V) values[slot];
                values[slot] = value;
                return previous;
            }
        }
        keys[slot] = key;
        values[slot] = value;
        size++;
        if (size * 2 > keys.length) {
            grow();
        }
        return null;
    }

    /** Removes the key; returns its value, or null when absent. */
    @SuppressWarnings("unchecked")
    V remove(long key) {
        int mask = keys.length - 1;
        for (int slot = home(key); values[slot] != null; slot = (slot + 1) & mask) {
            if (keys[slot] == key) {
                V removed = (V) values[slot];
                removeAt(slot);
                return removed;
            }
        }
        return null;
    }

    /**
     * Empties {@code hole} and moves later entries of the same probe run back into it when their home
     * slot allows, so every entry stays reachable from its home without tombstones.
     */
    private void removeAt(int hole) {
        int mask = keys.length - 1;
        values[hole] = null;
        size--;
        for (int next = (hole + 1) & mask; values[next] != null; next = (next + 1) & mask) {
            int home = home(keys[next]);
            // The entry at 'next' may move to 'hole' unless its home lies cyclically in (hole, next].
            boolean homeBetween = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!homeBetween) {
                keys[hole] = keys[next];
                values[hole] = values[next];
                values[next] = null;
                hole = next;
            }
        }
    }

    @SuppressWarnings("unchecked")
    void forEach(Consumer<? super V> action) {
        for (Object value : values) {
            if (value != null) {
                action.accept((V) value);
            }
        }
    }

    /** Removes every value that matches and hands each to {@code removed}, in no particular order. */
    @SuppressWarnings("unchecked")
    void removeIf(Predicate<? super V> matches, Consumer<? super V> removed) {
        long[] matchingKeys = new long[Math.min(size, 16)];
        int count = 0;
        for (int slot = 0; slot < values.length; slot++) {
            if (values[slot] != null && matches.test((V) values[slot])) {
                if (count == matchingKeys.length) {
                    matchingKeys = Arrays.copyOf(matchingKeys, count * 2);
                }
                matchingKeys[count++] = keys[slot];
            }
        }
        for (int i = 0; i < count; i++) {
            removed.accept(remove(matchingKeys[i]));
        }
    }

    void clear() {
        if (size > 0) {
            Arrays.fill(values, null);
            size = 0;
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(keys.length * 2);
        int mask = keys.length - 1;
        for (int i = 0; i < oldValues.length; i++) {
            if (oldValues[i] != null) {
                int slot = home(oldKeys[i]);
                while (values[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = oldKeys[i];
                values[slot] = oldValues[i];
            }
        }
    }
}
