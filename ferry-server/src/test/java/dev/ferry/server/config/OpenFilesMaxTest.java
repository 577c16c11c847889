package dev.ferry.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import dev.ferry.log.FileHandleCache;

/** {@code --open-files-max}: the size of the broker's one file handle cache, checked at start. */
class OpenFilesMaxTest {

    private static BrokerSettings withOpenFilesMax(int value) {
        BrokerSettings settings = new BrokerSettings();
        settings.openFilesMax = value;
        return settings;
    }

    @Test
    void shouldTakeZeroAsHalfTheDescriptorLimit() {
        BrokerSettings settings = withOpenFilesMax(0);

        settings.checkOpenFilesMax(OptionalLong.of(1024));

        assertThat(settings.openFilesMax).isEqualTo(FileHandleCache.defaultCapacity());
    }

    @Test
    void shouldKeepAValueBelowTheDescriptorLimitAndPassItToTheStore() {
        BrokerSettings settings = withOpenFilesMax(100).conclude();

        assertThat(settings.openFilesMax).isEqualTo(100);
        assertThat(settings.storageSettings().openFilesMax()).isEqualTo(100);
    }

    @Test
    void shouldRefuseAValueBelowTheCacheMinimum() {
        assertThatThrownBy(() -> withOpenFilesMax(FileHandleCache.CAPACITY_MIN - 1).checkOpenFilesMax(OptionalLong.empty()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("open-files-max");
        assertThatThrownBy(() -> withOpenFilesMax(-1).checkOpenFilesMax(OptionalLong.empty()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("open-files-max");
    }

    @Test
    void shouldRefuseAValueThatLeavesNoDescriptorForSockets() {
        assertThatThrownBy(() -> withOpenFilesMax(1024).checkOpenFilesMax(OptionalLong.of(1024)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ulimit -n");
        withOpenFilesMax(1023).checkOpenFilesMax(OptionalLong.of(1024)); // accepted: just below the limit
    }
}
