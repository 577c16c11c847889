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
        assertThat(listed.output).contains("1 brokers:")
                .containsPattern("broker \\d+ at 127\\.0\\.0\\.1:" + bootstrapPort() + " \\(controller\\)");
    }

    @Test
    void shouldProduceAndConsumeWithKeysAndHeaders() throws Exception {
        String topic = unique("kcat");
        Result produced = kcatWithInput("k1:first\nk2:second\nk3:third\n", "-t", topic, "-P", "-K:", "-H", "source=kcat");
        assertThat(produced.exitCode).as(produced.output).isZero();

        Result consumed = kcat("-t", topic, "-C", "-o", "beginning", "-e", "-f", "%k=%s @%o %h\n");

        assertThat(consumed.exitCode).as(consumed.output).isZero();
        assertThat(consumed.output).contains("k1=first @0 source=kcat", "k2=second @1 source=kcat",
                "k3=third @2 source=kcat");
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
