package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileHandleCacheTest {
    @TempDir
    Path directory;

    private List<FileHandleCache.CachedFile> files(FileHandleCache cache, int count) throws Exception {
        List<FileHandleCache.CachedFile> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path path = directory.resolve("f" + i);
            Files.write(path, new byte[] {(byte) i});
            files.add(cache.file(path, StandardOpenOption.READ));
        }
        return files;
    }

    @Test
    void shouldNeverCloseAChannelUnderAUserWhileThreadsFightOverFewSlots() throws Exception {
        FileHandleCache cache = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        List<FileHandleCache.CachedFile> files = files(cache, 40);
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = t;
            workers.add(new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                ByteBuffer one = ByteBuffer.allocate(1);
                try {
                    start.await();
                    for (int i = 0; i < 20_000; i++) {
                        int index = random.nextInt(files.size());
                        FileHandleCache.CachedFile file = files.get(index);
                        FileChannel channel = cache.acquire(file);
                        try {
                            one.clear();
                            // A read on a channel evicted under us would throw ClosedChannelException.
                            channel.read(one, 0);
                            assertThat(one.get(0)).isEqualTo((byte) index);
                        } finally {
                            cache.release(file);
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        workers.forEach(Thread::start);
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }

        assertThat(failures).isEmpty();
        assertThat(cache.evictions()).as("the slots were contended").isPositive();
        assertThat(cache.openCount()).as("back within capacity once nothing is pinned")
                .isLessThanOrEqualTo(cache.capacity());
        cache.closeIdle();
        assertThat(cache.openCount()).isZero();
    }

    @Test
    void aDiscardedFileShouldStayOpenForItsUserAndCloseAtItsRelease() throws Exception {
        FileHandleCache cache = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        FileHandleCache.CachedFile file = files(cache, 1).get(0);
        FileChannel held = cache.acquire(file);

        cache.discard(file);

        assertThat(held.isOpen()).isTrue();
        assertThatThrownBy(() -> cache.acquire(file)).isInstanceOf(ClosedChannelException.class);
        cache.release(file);
        assertThat(held.isOpen()).isFalse();
        assertThat(cache.openCount()).isZero();
    }

    @Test
    void aFileUsedLatelyShouldOutliveAnIdleOneWhenRoomIsNeeded() throws Exception {
        FileHandleCache cache = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        List<FileHandleCache.CachedFile> files = files(cache, 6);
        List<FileChannel> channels = new ArrayList<>();
        for (FileHandleCache.CachedFile file : files.subList(0, 4)) {
            channels.add(cache.acquire(file));
            cache.release(file);
        }
        // Open four files, then a fifth: one must go; every flag is set, so the clock clears them
        // and closes the oldest. Then use file 1 again and open a sixth: file 1 keeps its slot.
        cache.acquire(files.get(4));
        cache.release(files.get(4));
        assertThat(channels.get(0).isOpen()).isFalse();
        cache.acquire(files.get(1));
        cache.release(files.get(1));

        cache.acquire(files.get(5));
        cache.release(files.get(5));

        assertThat(channels.get(1).isOpen()).as("used lately").isTrue();
        assertThat(channels.get(2).isOpen()).as("the oldest idle one").isFalse();
        assertThat(cache.openCount()).isEqualTo(cache.capacity());
    }

    @Test
    void shouldRefuseACapacityBelowTheMinimumAndSizeTheDefaultFromTheDescriptorLimit() {
        assertThatThrownBy(() -> new FileHandleCache(FileHandleCache.CAPACITY_MIN - 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new FileHandleCache(FileHandleCache.CAPACITY_MIN).capacity()).isEqualTo(FileHandleCache.CAPACITY_MIN);

        assertThat(FileHandleCache.descriptorLimit()).as("Linux tells").isPresent();
        long expected = Math.max(16, Math.min(16_384, FileHandleCache.descriptorLimit().getAsLong() / 2));
        assertThat(FileHandleCache.defaultCapacity()).isEqualTo((int) expected);
        assertThat(FileHandleCache.processDefault()).isSameAs(FileHandleCache.processDefault());
        assertThat(FileHandleCache.processDefault().capacity()).isEqualTo(FileHandleCache.defaultCapacity());
    }

    @Test
    void shouldOpenAFileOnceWhileItKeepsItsSlotAndCountEveryOpenAndEviction() throws Exception {
        FileHandleCache cache = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        List<FileHandleCache.CachedFile> files = files(cache, 5);
        FileChannel first = cache.acquire(files.get(0));
        cache.release(files.get(0));
        assertThat(cache.acquire(files.get(0))).as("the same handle again").isSameAs(first);
        cache.release(files.get(0));
        assertThat(cache.opens()).isEqualTo(1);
        assertThat(cache.openCount()).isEqualTo(1);
        assertThat(cache.evictions()).isZero();

        for (FileHandleCache.CachedFile file : files.subList(1, 5)) {
            cache.acquire(file);
            cache.release(file);
        }
        assertThat(cache.opens()).isEqualTo(5);
        assertThat(cache.evictions()).isEqualTo(1);
        assertThat(cache.openCount()).isEqualTo(FileHandleCache.CAPACITY_MIN);

        cache.closeIdle();
        assertThat(cache.openCount()).isZero();
        assertThat(first.isOpen()).isFalse();
        FileChannel reopened = cache.acquire(files.get(0));
        assertThat(reopened.isOpen()).isTrue();
        ByteBuffer content = ByteBuffer.allocate(1);
        reopened.read(content, 0);
        assertThat(content.get(0)).as("the file's own bytes").isEqualTo((byte) 0);
        cache.release(files.get(0));
        assertThat(cache.opens()).isEqualTo(6);
        assertThat(cache).hasToString("FileHandleCache{capacity=4, open=1}");
    }

    @Test
    void shouldOpenBeyondCapacityWhileEveryHandleIsPinnedAndShrinkBackOnRelease() throws Exception {
        FileHandleCache cache = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        List<FileHandleCache.CachedFile> files = files(cache, 6);
        List<FileChannel> pinned = new ArrayList<>();
        for (FileHandleCache.CachedFile file : files) {
            pinned.add(cache.acquire(file));
        }
        assertThat(cache.openCount()).as("no pinned handle is closed").isEqualTo(6);
        assertThat(cache.evictions()).isZero();
        assertThat(pinned).allMatch(FileChannel::isOpen);

        cache.release(files.get(0));
        assertThat(cache.openCount()).as("an idle handle over capacity closes at its release").isEqualTo(5);
        assertThat(pinned.get(0).isOpen()).isFalse();
        for (FileHandleCache.CachedFile file : files.subList(1, 6)) {
            cache.release(file);
        }
        assertThat(cache.openCount()).isEqualTo(FileHandleCache.CAPACITY_MIN);
    }

    @Test
    void aDiscardedIdleFileClosesAtOnceAndAnInvalidatedOneIsOpenedAgain() throws Exception {
        FileHandleCache cache = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        List<FileHandleCache.CachedFile> files = files(cache, 2);
        FileChannel idle = cache.acquire(files.get(0));
        cache.release(files.get(0));
        cache.discard(files.get(0));
        assertThat(idle.isOpen()).isFalse();
        assertThat(cache.openCount()).isZero();
        assertThatThrownBy(() -> cache.acquire(files.get(0))).isInstanceOf(ClosedChannelException.class);

        FileChannel broken = cache.acquire(files.get(1));
        broken.close(); // as an interrupted thread's I/O does
        cache.invalidate(files.get(1), broken);
        cache.release(files.get(1));
        assertThat(cache.openCount()).isZero();
        FileChannel fresh = cache.acquire(files.get(1));
        assertThat(fresh).isNotSameAs(broken);
        assertThat(fresh.isOpen()).isTrue();
        cache.release(files.get(1));
        assertThat(cache.opens()).isEqualTo(3);
    }

    @Test
    void aChannelClosedUnderItsUsersIsReplacedAtTheNextAcquire() throws Exception {
        FileHandleCache cache = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        FileHandleCache.CachedFile file = files(cache, 1).get(0);
        FileChannel first = cache.acquire(file);
        cache.release(file);
        first.close();

        FileChannel second = cache.acquire(file);
        assertThat(second).isNotSameAs(first);
        assertThat(second.isOpen()).isTrue();
        assertThat(cache.openCount()).isEqualTo(1);
        cache.release(file);
        cache.closeIdle();
        assertThat(second.isOpen()).as("released: idle, so it may be closed").isFalse();
        assertThat(cache.openCount()).isZero();
    }

    @Test
    void aFailedOpenGivesItsSlotAndPinBack() throws Exception {
        FileHandleCache cache = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        Path missing = directory.resolve("not-yet");
        FileHandleCache.CachedFile file = cache.file(missing, StandardOpenOption.READ);

        assertThatThrownBy(() -> cache.acquire(file)).isInstanceOf(java.nio.file.NoSuchFileException.class);
        assertThat(cache.openCount()).isZero();
        assertThat(cache.opens()).isZero();

        Files.write(missing, new byte[] {7});
        FileChannel opened = cache.acquire(file);
        cache.release(file);
        cache.closeIdle();
        assertThat(opened.isOpen()).as("unpinned by the failed open, so idle now").isFalse();
        assertThat(cache.openCount()).isZero();
        assertThat(cache.opens()).isEqualTo(1);
    }
}
