package dev.ferry.queue;

import java.util.HashMap;

/**
 * The ids a deduplicating queue took most recently, in the order it took them: at most
 * {@link DeduplicationSettings#cacheSize()} of them, none older than
 * {@link DeduplicationSettings#cacheTtlMs()}. Time is passed in by the caller (the queue's timer),
 * never read here, so replaying the same calls gives the same window.
 *
 * <p>Design note: the order is a ring of admissions (id, time, journal offset) numbered from 0; a
 * map goes from id to its admission number. Evicting the oldest admission removes its id only if
 * the map still points at it, so an id {@link #forget forgotten} in the middle leaves a dead slot
 * and nothing to search for. The ring grows by doubling up to the window's size, so a queue that
 * sees few ids holds little. Per admitted id: one map entry and one boxed number; a duplicate
 * costs one lookup and no allocation.
 *
 * <p>Thread safety: none; the queue's owner thread only.
 */
public final class DeduplicationWindow {
    /** The journal offset of an id that is kept in memory only (its message does not outlive a restart). */
    public static final long NOT_JOURNALED = -1;

    private final DeduplicationSettings settings;
    private final long ttlMs; // Long.MAX_VALUE: no time limit
    private final HashMap<String, Long> admissions = new HashMap<>();
    private String[] ids = new String[16];
    private long[] admittedAtMs = new long[16];
    private long[] journalOffsets = new long[16];
    private long oldest; // admission number of the oldest slot in the ring
    private long next; // admission number the next id gets

    public DeduplicationWindow(DeduplicationSettings settings) {
        this.settings = settings;
        this.ttlMs = settings.cacheTtlMs().orElse(Long.MAX_VALUE);
    }

    public DeduplicationSettings settings() {
        return settings;
    }

    /** Whether {@code id} was admitted within the window as of {@code nowMs}. */
    public boolean contains(String id, long nowMs) {
        evictExpired(nowMs);
        return admissions.containsKey(id);
    }

    /**
     * Takes {@code id} (not in the window) into it at {@code nowMs}, evicting the oldest if the
     * window is full; returns its admission number, for {@link #journaled}.
     */
    public long admit(String id, long nowMs) {
        evictExpired(nowMs);
        return add(id, nowMs, NOT_JOURNALED);
    }

    /** Puts back an id read from the journal at start, in journal order (the window's rules apply as it fills). */
    public void restore(String id, long admittedAtMs, long journalOffset) {
        Long previous = admissions.get(id);
        if (previous != null) {
            admissions.remove(id); // an older admission of an id forgotten since; the newest counts
        }
        add(id, admittedAtMs, journalOffset);
    }

    /** The admission {@code admission} was recorded at {@code journalOffset} of the queue's journal. */
    public void journaled(long admission, long journalOffset) {
        if (admission >= oldest) {
            journalOffsets[slot(admission)] = journalOffset;
        }
    }

    /** Takes {@code id} out of the window (its message was never stored after all). */
    public void forget(String id) {
        admissions.remove(id);
    }

    /**
     * The journal offset of the oldest id still in the window that has one: journal records below
     * it are of ids evicted since, and may be deleted. {@code journalEnd} when there is none. (Ids
     * past their time leave at the next arrival, by the queue's clock, not here.)
     */
    public long oldestJournalOffset(long journalEnd) {
        for (long admission = oldest; admission < next; admission++) {
            int slot = slot(admission);
            Long current = admissions.get(ids[slot]);
            if (journalOffsets[slot] != NOT_JOURNALED && current != null && current == admission) {
                return journalOffsets[slot];
            }
        }
        return journalEnd;
    }

    /** How many ids the window holds now. */
    public int size() {
        return admissions.size();
    }

    private long add(String id, long atMs, long journalOffset) {
        while (next - oldest >= settings.cacheSize()) {
            evictOldest();
        }
        if (next - oldest == ids.length) {
            grow();
        }
        long admission = next++;
        int slot = slot(admission);
        ids[slot] = id;
        admittedAtMs[slot] = atMs;
        journalOffsets[slot] = journalOffset;
        admissions.put(id, admission);
        return admission;
    }

    private void evictExpired(long nowMs) {
        if (ttlMs == Long.MAX_VALUE) {
            return;
        }
        while (oldest < next && nowMs - admittedAtMs[slot(oldest)] >= ttlMs) {
            evictOldest();
        }
    }

    private void evictOldest() {
        int slot = slot(oldest);
        String id = ids[slot];
        Long current = admissions.get(id);
        if (current != null && current == oldest) {
            admissions.remove(id);
        }
        ids[slot] = null;
        oldest++;
    }

    private void grow() {
        int length = ids.length;
        String[] newIds = new String[length * 2];
        long[] newTimes = new long[length * 2];
        long[] newOffsets = new long[length * 2];
        for (long admission = oldest; admission < next; admission++) {
            int from = (int) (admission & (length - 1));
            int to = (int) (admission & (length * 2 - 1));
            newIds[to] = ids[from];
            newTimes[to] = admittedAtMs[from];
            newOffsets[to] = journalOffsets[from];
        }
        ids = newIds;
        admittedAtMs = newTimes;
        journalOffsets = newOffsets;
    }

    private int slot(long admission) {
        return (int) (admission & (ids.length - 1));
    }
}
