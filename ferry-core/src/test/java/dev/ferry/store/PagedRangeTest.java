package dev.ferry.store;

import static dev.ferry.store.PagedRange.PAGE_RECORDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The bookkeeping of paged-out messages on its own: counts, bytes and expiries per page, as the
 * store's paging, expiry and purge tests cannot see them (they see only which messages come back).
 */
class PagedRangeTest {
    private static final long NEVER = Long.MAX_VALUE;

    @Test
    void aPageHoldsAFixedSpanOfOffsetsAndCountsItsMessagesAndBytes() {
        PagedRange paged = new PagedRange();
        assertThat(paged.isEmpty()).isTrue();
        assertThat(paged.head()).isNull();
        paged.add(10, 3, NEVER);
        paged.add(12, 5, NEVER);
        paged.add(10 + PAGE_RECORDS - 1, 7, NEVER); // the last offset of the first page
        paged.add(10 + PAGE_RECORDS, 11, NEVER); // the first of the next

        assertThat(paged.isEmpty()).isFalse();
        assertThat(paged.count()).isEqualTo(4);
        assertThat(paged.bytes()).isEqualTo(26);
        List<PagedRange.Page> pages = paged.pages();
        assertThat(pages).hasSize(2);
        assertThat(pages.get(0).first()).isEqualTo(10);
        assertThat(pages.get(0).end()).isEqualTo(10 + PAGE_RECORDS);
        assertThat(pages.get(0).count()).isEqualTo(3);
        assertThat(pages.get(1).first()).isEqualTo(10 + PAGE_RECORDS);
        assertThat(pages.get(1).end()).isEqualTo(11 + PAGE_RECORDS);
        assertThat(pages.get(1).count()).isEqualTo(1);
        assertThat(paged.head()).isSameAs(pages.get(0));
    }

    @Test
    void pagingInFromTheHeadMovesItsFirstOffsetAndDropsAnEmptiedPage() {
        PagedRange paged = new PagedRange();
        paged.add(0, 4, NEVER);
        paged.add(2, 6, NEVER);
        paged.add(PAGE_RECORDS, 8, NEVER);
        PagedRange.Page head = paged.head();

        paged.skipped(head, 1); // offset 1 was settled while paged out
        assertThat(head.first()).isEqualTo(2);
        assertThat(paged.count()).as("a skip removes nothing").isEqualTo(3);
        paged.pagedIn(head, 2, 6);
        assertThat(head.first()).isEqualTo(3);
        assertThat(head.count()).isEqualTo(1);
        assertThat(paged.count()).isEqualTo(2);
        assertThat(paged.bytes()).isEqualTo(12);
        assertThat(paged.head()).as("offset 0 still counts in it").isSameAs(head);

        paged.remove(head, 4);
        assertThat(paged.head().first()).isEqualTo(PAGE_RECORDS);
        assertThat(paged.pages()).hasSize(1);
        assertThat(paged.bytes()).isEqualTo(8);
    }

    @Test
    void aLostRecordTakesTheAverageBytesOfItsPageOrAllOfTheLastOne() {
        PagedRange paged = new PagedRange();
        paged.add(0, 10, NEVER);
        paged.add(1, 20, NEVER);
        paged.add(2, 60, NEVER);
        paged.lost(paged.head());
        assertThat(paged.count()).isEqualTo(2);
        assertThat(paged.bytes()).isEqualTo(60); // 90 - 90 / 3
        paged.lost(paged.head());
        assertThat(paged.bytes()).isEqualTo(30); // 60 - 60 / 2
        paged.lost(paged.head());
        assertThat(paged.bytes()).as("the last record takes what is left").isZero();
        assertThat(paged.isEmpty()).isTrue();
        assertThat(paged.head()).isNull();
    }

    @Test
    void theNewestOffsetCanBeTakenBackAndItsPageShrinks() {
        PagedRange paged = new PagedRange();
        paged.add(5, 1, NEVER);
        paged.add(6, 2, NEVER);
        paged.removeNewest(6, 2);
        assertThat(paged.head().end()).isEqualTo(6);
        assertThat(paged.count()).isEqualTo(1);
        assertThat(paged.bytes()).isEqualTo(1);
        paged.add(6, 3, NEVER); // the offset is reused
        assertThat(paged.head().count()).isEqualTo(2);
        assertThat(paged.head().end()).isEqualTo(7);
    }

    @Test
    void removesAnOffsetOnlyWhereAPageStillHoldsIt() {
        PagedRange paged = new PagedRange();
        paged.add(0, 1, NEVER);
        paged.add(1, 1, NEVER);
        paged.add(2, 1, NEVER);
        paged.add(PAGE_RECORDS + 5, 1, NEVER); // a second page starting above its span
        paged.pagedIn(paged.head(), 0, 1);

        assertThat(paged.removeAt(0, 1)).as("already paged in").isFalse();
        assertThat(paged.removeAt(3, 1)).as("past the first page's end").isFalse();
        assertThat(paged.removeAt(PAGE_RECORDS + 4, 1)).as("below the second page's start").isFalse();
        assertThat(paged.removeAt(PAGE_RECORDS + 6, 1)).as("past the last page").isFalse();
        assertThat(paged.count()).isEqualTo(3);

        assertThat(paged.removeAt(1, 1)).isTrue();
        assertThat(paged.removeAt(PAGE_RECORDS + 5, 1)).isTrue();
        assertThat(paged.count()).isEqualTo(1);
        assertThat(paged.pages()).hasSize(1);
        assertThat(paged.removeAt(2, 1)).isTrue();
        assertThat(paged.isEmpty()).isTrue();
        assertThat(paged.removeAt(2, 1)).as("nothing left").isFalse();
    }

    @Test
    void aMessagePutBackJoinsThePageWhoseSpanHoldsIt() {
        PagedRange paged = new PagedRange();
        paged.add(0, 1, NEVER);
        paged.add(1, 1, NEVER);
        paged.add(PAGE_RECORDS, 1, NEVER);
        paged.add(PAGE_RECORDS + 1, 1, NEVER);
        PagedRange.Page second = paged.pages().get(1);
        paged.removeAt(PAGE_RECORDS + 1, 1);

        paged.putBack(PAGE_RECORDS + 3, 4, 500); // returned after being paged in at the end
        assertThat(second.count()).isEqualTo(2);
        assertThat(second.end()).isEqualTo(PAGE_RECORDS + 4);
        assertThat(second.minExpiry()).isEqualTo(500);
        assertThat(paged.head().count()).isEqualTo(2);
        assertThat(paged.count()).isEqualTo(4);
        assertThat(paged.bytes()).isEqualTo(7);
        assertThat(paged.nextExpiry()).isEqualTo(500);

        paged.putBack(PAGE_RECORDS, 2, NEVER); // a page's own start is in its span
        assertThat(second.count()).isEqualTo(3);
        assertThat(second.end()).as("the end never moves down").isEqualTo(PAGE_RECORDS + 4);
        paged.putBack(PAGE_RECORDS - 1, 2, NEVER); // the last offset of the first span
        assertThat(paged.head().count()).isEqualTo(3);
        assertThat(paged.head().end()).isEqualTo(PAGE_RECORDS);

        // The page's own bytes grew with each message put back: losing all of it takes exactly those.
        for (int i = 0; i < 3; i++) {
            paged.lost(second);
        }
        assertThat(paged.pages()).containsExactly(paged.head());
        assertThat(paged.bytes()).as("what the first page holds").isEqualTo(4);
    }

    @Test
    void truncatingDropsWholePagesAboveTheEndAndCutsTheOneAcrossIt() {
        PagedRange paged = new PagedRange();
        paged.add(0, 1, 100);
        paged.add(1, 2, NEVER);
        paged.add(PAGE_RECORDS, 4, 50);
        paged.add(PAGE_RECORDS + 1, 8, NEVER);
        paged.add(2 * PAGE_RECORDS, 16, 10);
        assertThat(paged.nextExpiry()).isEqualTo(10);

        assertThat(paged.truncate(3 * PAGE_RECORDS)).as("nothing above the end").isZero();
        assertThat(paged.count()).isEqualTo(5);
        assertThat(paged.truncate(PAGE_RECORDS + 1)).isEqualTo(1);
        assertThat(paged.count()).isEqualTo(4);
        assertThat(paged.bytes()).isEqualTo(15);
        assertThat(paged.pages()).hasSize(2);
        assertThat(paged.pages().get(1).end()).isEqualTo(PAGE_RECORDS + 1);
        assertThat(paged.nextExpiry()).isEqualTo(50);

        assertThat(paged.truncate(PAGE_RECORDS)).as("a page starting at the end goes whole").isEqualTo(2);
        assertThat(paged.pages()).hasSize(1);
        assertThat(paged.bytes()).isEqualTo(3);
        assertThat(paged.nextExpiry()).isEqualTo(100);
    }

    @Test
    void truncatingBelowAPagesFirstUnreadOffsetDropsIt() {
        PagedRange paged = new PagedRange();
        paged.add(0, 1, NEVER);
        paged.add(5, 2, NEVER);
        paged.add(6, 4, NEVER);
        paged.pagedIn(paged.head(), 0, 1); // first is now 1
        paged.skipped(paged.head(), 4); // first is now 5
        assertThat(paged.truncate(5)).isEqualTo(2);
        assertThat(paged.isEmpty()).isTrue();
        assertThat(paged.bytes()).isZero();
    }

    @Test
    void droppingTheHeadReturnsHowManyItHeld() {
        PagedRange paged = new PagedRange();
        assertThat(paged.dropHead()).isZero();
        paged.add(0, 1, 30);
        paged.add(1, 2, NEVER);
        paged.add(PAGE_RECORDS, 4, 70);
        assertThat(paged.nextExpiry()).isEqualTo(30);
        assertThat(paged.dropHead()).isEqualTo(2);
        assertThat(paged.count()).isEqualTo(1);
        assertThat(paged.bytes()).isEqualTo(4);
        assertThat(paged.nextExpiry()).isEqualTo(70);
    }

    @Test
    void findsThePagesDueAtOrBeforeATimeAndRecomputesTheNextExpiry() {
        PagedRange paged = new PagedRange();
        paged.add(0, 1, 200);
        paged.add(1, 1, 100);
        paged.add(PAGE_RECORDS, 1, 300);
        paged.add(2 * PAGE_RECORDS, 1, NEVER);
        assertThat(paged.nextExpiry()).isEqualTo(100);
        assertThat(paged.head().minExpiry()).isEqualTo(100);

        assertThat(paged.pagesExpiringBy(99)).isEmpty();
        assertThat(paged.pagesExpiringBy(100)).containsExactly(paged.head());
        assertThat(paged.pagesExpiringBy(300)).hasSize(2);

        paged.expiryScanned(paged.head(), 250); // the scan expired the one due at 100 and 200
        assertThat(paged.nextExpiry()).isEqualTo(250);
        paged.expiryScanned(paged.head(), NEVER);
        assertThat(paged.nextExpiry()).isEqualTo(300);
        assertThat(paged.nextExpiry()).as("asked again").isEqualTo(300);
        paged.add(2 * PAGE_RECORDS + 1, 1, 280);
        assertThat(paged.nextExpiry()).isEqualTo(280);
    }

    @Test
    void removingTheLastMessageOfAPageForgetsItsExpiry() {
        PagedRange paged = new PagedRange();
        paged.add(0, 1, 10);
        paged.add(PAGE_RECORDS, 1, 20);
        paged.removeAt(0, 1);
        assertThat(paged.nextExpiry()).isEqualTo(20);
    }

    @Test
    void clearingForgetsEverything() {
        PagedRange paged = new PagedRange();
        paged.add(0, 5, 10);
        paged.add(PAGE_RECORDS, 5, 20);
        paged.dropHead(); // leaves the next expiry to recompute
        paged.clear();
        assertThat(paged.isEmpty()).isTrue();
        assertThat(paged.count()).isZero();
        assertThat(paged.bytes()).isZero();
        assertThat(paged.pages()).isEmpty();
        assertThat(paged.nextExpiry()).isEqualTo(NEVER);
        paged.add(7, 1, 40);
        assertThat(paged.nextExpiry()).isEqualTo(40);
        assertThat(paged.head().first()).isEqualTo(7);
    }
}
