package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

/** IncrementalAlterConfigs through the Admin client, for the tests of group and broker-logger configs. */
final class ConfigChanges {
    private ConfigChanges() {
    }

    static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), OpType.SET);
    }

    static void alter(Admin admin, ConfigResource resource, AlterConfigOp... ops) throws Exception {
        admin.incrementalAlterConfigs(Map.of(resource, List.of(ops))).all().get(30, TimeUnit.SECONDS);
    }

    /** The request is refused with an error of {@code type} whose message is exactly {@code message}. */
    static void assertRefused(Admin admin, ConfigResource resource, Class<? extends Throwable> type,
                              String message, AlterConfigOp... ops) {
        Throwable failure = catchThrowableOfType(ExecutionException.class, () -> alter(admin, resource, ops)).getCause();
        assertThat(failure).isInstanceOf(type).hasMessage(message);
    }
}
