package dev.ferry.it.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.AmqpTarget;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * amqplib, the Node.js client, runs a script of everyday steps against the broker: topic routing
 * with a confirm channel, prefetch and manual acks, a nack into a dead-letter queue, basic.get and
 * RPC over direct reply-to. Its dependencies are installed by {@code npm ci} in
 * {@code src/test/node} (CI does this); a missing install fails the test with the command to run.
 */
class AmqplibInteropTest {
    private static final Path NODE_DIR = Path.of(System.getProperty("basedir", "."), "src", "test", "node");

    @Test
    void shouldRunTheAmqplibScriptToTheEnd() throws Exception {
        assertThat(NODE_DIR.resolve("node_modules").resolve("amqplib"))
                .as("amqplib is not installed; run: (cd ferry-it/src/test/node && npm ci)")
                .exists();
        AmqpTarget target = AmqpTarget.shared();
        Process node = new ProcessBuilder("node", "amqplib_client.js", target.host(), String.valueOf(target.port()))
                .directory(NODE_DIR.toFile())
                .redirectErrorStream(true)
                .start();
        boolean finished = node.waitFor(60, TimeUnit.SECONDS);
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!finished) {
            node.destroyForcibly();
        }

        assertThat(finished).as("amqplib script finished; output:%n%s", output).isTrue();
        assertThat(node.exitValue()).as("amqplib script output:%n%s", output).isZero();
        assertThat(output).contains("amqplib ok");
    }
}
