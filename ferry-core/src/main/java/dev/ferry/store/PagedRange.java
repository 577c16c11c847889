package dev.ferry.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The ready messages of one queue that are in its log but not in memory, in log order, as pages of
 * offset ranges. A page knows how many of its messages are still paged out, their body bytes
 * and the earliest expiry among them; nothing is kept per message, so a queue of ten million
 * waiting messages costs a few thousand small objects.
 *
 * <p>A message leaves the range when it is paged in (always from the head page, in order) or is
 * removed where it lies (expired, purged). Which offsets inside a page were removed is recorded by
 * the store's settled offsets, not here: the store skips them when it reads the page.
 *
 * <p>Thread safety: none; the queue's owner thread owns it.
 */
final class PagedRange {
    /** Offsets per page: a page is the unit an expiry scan reads. */
    static final int PAGE_RECORDS = 4096;

    static final class Page {
        private final long start;
        private long first;
        private long end;
        private int count;
        private long bytes;
        private long minExpiry = Long.MAX_VALUE;

        private Page(long offset) {
            this.start = offset;
            this.first = offset;
            this.end = offset;
        }

        /** The page's lowest offset, paged in or not. */
        long start() {
            return start;
        }

        /** The lowest offset of the page not yet paged in. */
        long first() {
            return first;
        }

        /** One past the page's last offset. */
        long end() {
            return end;
        }

        /** Its messages still paged out. */
        int count() {
            return count;
        }

        /** The earliest expiry among its paged-out messages (possibly earlier than any left: a scan corrects it). */
        long minExpiry() {
            return minExpiry;
        }
    }

    private final ArrayDeque<Page> pages = new ArrayDeque<>();
    private long count;
    private long bytes;
    private long nextExpiry = Long.MAX_VALUE;
    private boolean nextExpiryStale;

    boolean isEmpty() {
        return count == 0;
    }

    long count() {
        return count;
    }

    long bytes() {
        return bytes;
    }

    /**
     * A message at {@code offset} (past every offset already in the range) was paged out. Offsets
     * skipped since the last one must be settled (recovery drops transient copies and acked
     * records between paged ones): a page spans up to {@link #PAGE_RECORDS} offsets, gaps included,
     * so that a log full of gaps still costs one page per few thousand offsets.
     */
    void add(long offset, int bodyBytes, long expiresAt) {
        Page last = pages.peekLast();
        assert last == null || offset >= last.end : "paged offsets must grow: " + offset + " after " + last.end;
        if (last == null || offset - last.start >= PAGE_RECORDS) {
            last = new Page(offset);
            pages.addLast(last);
        }
        last.end = offset + 1;
        last.count++;
        last.bytes += bodyBytes;
        last.minExpiry = Math.min(last.minExpiry, expiresAt);
        count++;
        bytes += bodyBytes;
        nextExpiry = Math.min(nextExpiry, expiresAt);
    }

    /** The page holding the next message to page in, or null when the range is empty. */
    Page head() {
        return pages.peekFirst();
    }

    /** The message at {@code offset} of the head page was paged in. */
    void pagedIn(Page page, long offset, int bodyBytes) {
        skipped(page, offset);
        remove(page, bodyBytes);
    }

    /** Paging in passed {@code offset} of the head page, which had been removed already. */
    void skipped(Page page, long offset) {
        assert page == pages.peekFirst() && offset >= page.first && offset < page.end : "paging in out of order";
        page.first = offset + 1;
    }

    /** One of the page's messages left the range where it lay (expired, purged). */
    void remove(Page page, int bodyBytes) {
        assert page.count > 0 : "removing from an empty page";
        page.count--;
        page.bytes -= bodyBytes;
        count--;
        bytes -= bodyBytes;
        if (page.count == 0) {
            // Whatever offsets of it were not paged in yet were all removed.
            pages.remove(page);
            nextExpiryStale = true;
        }
    }

    /**
     * One of the page's messages cannot be read (its record is damaged or gone): it leaves the
     * range, counted at the page's average size since its own is unknown. The caller settles it.
     */
    void lost(Page page) {
        remove(page, (int) (page.bytes / page.count)); // the last one takes what is left
    }

    /**
     * The newest message of the range, at {@code offset}, leaves it without being read: its write
     * failed, and the log will give its offset to the next record. Messages must leave newest first.
     */
    void removeNewest(long offset, int bodyBytes) {
        Page last = pages.peekLast();
        assert last != null && offset == last.end - 1 && offset >= last.first : "not the newest paged offset: " + offset;
        last.end = offset;
        remove(last, bodyBytes);
    }

    /**
     * The paged-out message at {@code offset} leaves the range where it lies (its publisher was
     * nacked); the caller settles it. Returns false when it is not paged out (any more).
     */
    boolean removeAt(long offset, int bodyBytes) {
        Page page = pageHolding(offset);
        // No page in the range is empty: remove() drops a page with its last message.
        if (page == null || offset < page.first) {
            return false;
        }
        remove(page, bodyBytes);
        return true;
    }

    /**
     * A message recovered while it waited out a retry delay is due, and its offset lies among the
     * paged-out ones: it goes back into the page that spans it (or the one before its offset), so
     * it is read back in its place. Offsets between it and the page's other messages are settled
     * or belong to messages still waiting, which the reader skips.
     */
    void putBack(long offset, int bodyBytes, long expiresAt) {
        Page page = null;
        for (Page candidate : pages) {
            if (candidate.start > offset) {
                break;
            }
            page = candidate;
        }
        assert page != null && offset >= page.first : "put back ahead of the paged range: " + offset;
        page.end = Math.max(page.end, offset + 1);
        page.count++;
        page.bytes += bodyBytes;
        page.minExpiry = Math.min(page.minExpiry, expiresAt);
        count++;
        bytes += bodyBytes;
        nextExpiry = Math.min(nextExpiry, expiresAt);
    }

    /**
     * The log was cut back to {@code end}: the range forgets every offset at or above it. Returns
     * how many paged-out messages were there (lost with their records).
     */
    long truncate(long end) {
        long dropped = 0;
        while (!pages.isEmpty() && pages.peekLast().end > end) {
            Page last = pages.peekLast();
            if (last.start >= end || last.first >= end) {
                pages.removeLast();
                dropped += last.count;
                count -= last.count;
                bytes -= last.bytes;
            } else {
                // Which of its messages lie at or above the end is not recorded: the reader finds
                // out, and a page's count only errs on the side of reading once more.
                last.end = end;
                break;
            }
        }
        nextExpiryStale = true;
        return dropped;
    }

    /**
     * The head page was read to its end and still counts messages: their records are gone (a log
     * cut back under them). It leaves the range; returns how many messages it counted.
     */
    int dropHead() {
        Page head = pages.pollFirst();
        if (head == null) {
            return 0;
        }
        count -= head.count;
        bytes -= head.bytes;
        nextExpiryStale = true;
        return head.count;
    }

    private Page pageHolding(long offset) {
        Page holding = null;
        for (java.util.Iterator<Page> it = pages.descendingIterator(); it.hasNext(); ) {
            Page page = it.next();
            if (page.start <= offset) {
                holding = offset < page.end ? page : null;
                break;
            }
        }
        return holding;
    }

    /** An expiry scan found the page's earliest remaining expiry. */
    void expiryScanned(Page page, long minExpiry) {
        page.minExpiry = minExpiry;
        nextExpiryStale = true;
    }

    /** The pages whose earliest expiry is at or before {@code now}, in log order. */
    List<Page> pagesExpiringBy(long now) {
        List<Page> due = new ArrayList<>();
        for (Page page : pages) {
            if (page.minExpiry <= now) {
                due.add(page);
            }
        }
        return due;
    }

    /** The earliest expiry of any paged-out message, or {@link Long#MAX_VALUE}. */
    long nextExpiry() {
        if (nextExpiryStale) {
            long earliest = Long.MAX_VALUE;
            for (Page page : pages) {
                earliest = Math.min(earliest, page.minExpiry);
            }
            nextExpiry = earliest;
            nextExpiryStale = false;
        }
        return nextExpiry;
    }

    /** The pages, for a purge; the caller then {@link #clear()}s. */
    List<Page> pages() {
        return List.copyOf(pages);
    }

    void clear() {
        pages.clear();
        count = 0;
        bytes = 0;
        nextExpiry = Long.MAX_VALUE;
        nextExpiryStale = false;
    }
}
