package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** kcat (librdkafka, Debian's {@code kcat}) against Ferry's Kafka port. */
class KcatTest extends KafkaTestBase {

    @BeforeAll
    static void kcatIsInstalled() {
        assertThat(new java.io.File("/usr/bin/kcat")).as("kcat is installed (apt-get install kcat; .ci/run does)").exists();
    }

    @Test
    void shouldListTheBrokerWithMetadata() throws Exception {
        Result listed = kcat("-L");

        assertThat(listed.exitCode).as(listed.output).isZero();
        assertThat(listed.output).contains("1 brokers:", "broker 0 at 127.0.0.1:" + broker.kafkaPort() + " (controller)");
    }

    record Result(int exitCode, String output) {
    }

    static Result kcat(String... arguments) throws IOException, InterruptedException {
        return kcatWithInput(null, arguments);
    }

    static Result kcatWithInput(String input, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kcat", "-b", bootstrap(), "-m", "15"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (input != null) {
            process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kcat " + String.join(" ", arguments) + " did not finish");
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
