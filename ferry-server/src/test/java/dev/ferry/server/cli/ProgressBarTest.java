package dev.ferry.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void shouldDrawDoneOfTotalRateAndEtaAndEndTheLineOnClose() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProgressBar bar = new ProgressBar("move", 200, new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 80)) {
            bar.update(200);
        }
        String drawn = bytes.toString(StandardCharsets.UTF_8);

        assertThat(drawn).startsWith("\rmove [").contains("] 100% 200/200 ").contains("/s ETA 0:00").endsWith("\n");
        assertThat(drawn.split("\r")).allSatisfy(line -> assertThat(line.replace("\033[K", "").strip().length())
                .isLessThanOrEqualTo(79));
    }

    @Test
    void shouldDrawNothingWhenNotOnATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProgressBar bar = new ProgressBar("publish", 10, new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 80)) {
            bar.update(5);
            bar.update(10);
        }

        assertThat(bytes.size()).isZero();
    }

    @Test
    void shouldCountWithoutBarOrEtaWhenTheTotalIsUnknown() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProgressBar bar = new ProgressBar("consume", 0, new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 80)) {
            bar.update(42);
        }

        assertThat(bytes.toString(StandardCharsets.UTF_8).replace("\033[K", "")).startsWith("\rconsume 42 ")
                .doesNotContain("ETA").doesNotContain("[");
    }

    @Test
    void shouldWriteDurationsAsMinutesOrHours() {
        assertThat(ProgressBar.duration(75)).isEqualTo("1:15");
        assertThat(ProgressBar.duration(3725)).isEqualTo("1:02:05");
    }
}
