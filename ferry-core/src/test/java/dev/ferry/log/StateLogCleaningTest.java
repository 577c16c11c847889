package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state log (the groups' and the transaction log's kind) cleaned by the log cleaner while it is
 * open: its sealed segments keep the latest record per key, what is appended after the cleaning
 * still lands, and a replay at the next open gives every key its latest value.
 */
class StateLogCleaningTest {
    /** "key=value" records; the key is the text before '='. */
    private static final StateLog.Codec<String> CODEC = StateLogTest.CODEC;
    private static final CompactionSettings SETTINGS = new CompactionSettings(86_400_000L, 0.5, 0);

    @TempDir
    Path directory;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final FileHandleCache files = new FileHandleCache(16);

    @AfterEach
    void close() {
        flusher.close();
    }

    @Test
    void shouldKeepTheLatestRecordPerKeyWhenCleanedWhileOpen() throws Exception {
        try (StateLog<String> log = StateLog.open("Test log", CODEC, directory, flusher, files)) {
            for (int update = 0; update < 50; update++) {
                log.append(List.of("a=" + update, "b=" + update)).get(10, TimeUnit.SECONDS);
            }
            Log underlying = log.cleanerTarget(SETTINGS).log();
            assertThat(underlying.rollActiveSegment()).isTrue();
            log.append(List.of("c=0")).get(10, TimeUnit.SECONDS);

            LogCleaner.Result result = LogCleaner.cleanIfDirty(underlying, SETTINGS, System.currentTimeMillis());
            assertThat(result.recordsRemoved()).isEqualTo(98);
            log.append(List.of("a=after")).get(10, TimeUnit.SECONDS);
        }
        try (StateLog<String> reopened = StateLog.open("Test log", CODEC, directory, flusher, files)) {
            // The sealed segment holds each key's last update only; the active one is untouched.
            assertThat(reopened.recovered()).containsExactly("a=49", "b=49", "c=0", "a=after");
        }
    }
}
