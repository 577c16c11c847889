package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;

/** The storage settings refuse intervals that are not positive and fewer open files than the cache needs. */
class StorageSettingsTest {

    private static StorageSettings settings(long fsyncIntervalMs, long checkpointIntervalMs, int openFilesMax) {
        return new StorageSettings(FsyncPolicy.ALWAYS, fsyncIntervalMs, checkpointIntervalMs, 1 << 20,
                PagingLimits.DEFAULTS, openFilesMax);
    }

    @Test
    void shouldTakeTheSmallestValuesAllowed() {
        StorageSettings smallest = settings(1, 1, FileHandleCache.CAPACITY_MIN);

        assertThat(smallest.fsyncIntervalMs()).isEqualTo(1);
        assertThat(smallest.ackCheckpointIntervalMs()).isEqualTo(1);
        assertThat(smallest.openFilesMax()).isEqualTo(FileHandleCache.CAPACITY_MIN);
    }

    @Test
    void shouldRefuseAnIntervalThatIsNotPositiveOrTooFewOpenFiles() {
        assertThatThrownBy(() -> settings(0, 1, FileHandleCache.CAPACITY_MIN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("intervals must be positive");
        assertThatThrownBy(() -> settings(1, 0, FileHandleCache.CAPACITY_MIN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("intervals must be positive");
        assertThatThrownBy(() -> settings(1, 1, FileHandleCache.CAPACITY_MIN - 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("openFilesMax");
    }
}
