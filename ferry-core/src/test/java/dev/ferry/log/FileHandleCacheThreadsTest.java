package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What one thread does to the cache leaves it usable by the others. */
class FileHandleCacheThreadsTest {
    @TempDir
    Path directory;

    @Test
    void anotherThreadCanOpenAFileAfterAChannelClosedUnderItsUsersWasDropped() throws Exception {
        FileHandleCache cache = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        Path first = Files.write(directory.resolve("first"), new byte[] {1});
        Path second = Files.write(directory.resolve("second"), new byte[] {2});
        FileHandleCache.CachedFile broken = cache.file(first, StandardOpenOption.READ);
        FileHandleCache.CachedFile other = cache.file(second, StandardOpenOption.READ);
        FileChannel closed = cache.acquire(broken);
        closed.close(); // as a thread interrupted during I/O on it does
        cache.invalidate(broken, closed);
        cache.release(broken);

        ExecutorService elsewhere = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<Boolean> opened = CompletableFuture.supplyAsync(() -> {
                try {
                    FileChannel channel = cache.acquire(other);
                    cache.release(other);
                    return channel.isOpen();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, elsewhere);

            assertThat(opened).succeedsWithin(Duration.ofSeconds(20)).isEqualTo(true);
        } finally {
            elsewhere.shutdownNow();
        }
        assertThat(cache.openCount()).isEqualTo(1);
    }
}
