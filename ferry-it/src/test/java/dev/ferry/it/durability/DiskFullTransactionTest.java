package dev.ferry.it.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import dev.ferry.it.support.AmqpTestBase;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction whose messages the disk cannot hold must not be confirmed: the broker's data
 * directory is a real 16 MiB file system (tmpfs, mounted by the test, which needs root — it fails
 * rather than skips without it), a durable queue gets a transaction of 24 MiB of persistent
 * messages, and tx.commit must be answered with 406 naming the failed store, not commit-ok.
 */
class DiskFullTransactionTest {
    private static final int FILE_SYSTEM_MIB = 16;
    private static final int MESSAGE_BYTES = 64 * 1024;
    private static final int MESSAGES = 24 * 16;

    @TempDir
    Path mountPoint;
    private boolean mounted;
    private BrokerProcess broker;

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        int exit = run("mount", "-t", "tmpfs", "-o", "size=" + FILE_SYSTEM_MIB + "m", "ferry-it-full", mountPoint.toString());
        assertThat(exit).as("mounting a %d MiB tmpfs at %s (the test needs root)", FILE_SYSTEM_MIB, mountPoint).isZero();
        mounted = true;
    }

    @AfterEach
    void unmount() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (mounted) {
            assertThat(run("umount", mountPoint.toString())).as("unmounting %s", mountPoint).isZero();
        }
    }

    @Test
    void shouldFailTheCommitOfATransactionTheDiskCannotHold() throws Exception {
        Path dataDir = Files.createDirectory(mountPoint.resolve("data"));
        broker = BrokerProcess.start(dataDir, "--disk-free-limit-bytes", "0", "--max-message-bytes", "1048576",
                "--queue-segment-bytes", "4194304");
        ConnectionFactory factory = new ConnectionFactory();
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        try (Connection connection = factory.newConnection()) {
            Channel channel = connection.createChannel();
            String queue = "disk-full";
            channel.queueDeclare(queue, true, false, false, null);
            channel.txSelect();
            byte[] body = new byte[MESSAGE_BYTES];
            AMQP.BasicProperties persistent = MessageProperties.PERSISTENT_BASIC;
            for (int i = 0; i < MESSAGES; i++) {
                channel.basicPublish("", queue, persistent, body);
            }

            Throwable thrown = catchThrowable(channel::txCommit);

            assertThat(AmqpTestBase.replyCode(thrown)).isEqualTo(406);
            assertThat(AmqpTestBase.replyText(thrown))
                    .startsWith("PRECONDITION_FAILED - partial tx completion: a queue could not store a message");
            assertThat(connection.isOpen()).as("only the channel is closed").isTrue();
        }
        List<String> output = broker.output();
        assertThat(output).as("the broker's log").noneMatch(line -> line.startsWith("\tat "));
        assertThat(broker.isAlive()).isTrue();
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }
}
