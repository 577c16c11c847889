package dev.ferry.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Table.Column> COLUMNS = List.of(Table.Column.of("name"), Table.Column.of("messages"),
            Table.Column.of("arguments"));

    @Test
    void shouldPadColumnsToTheirWidestValueWhenTheTableFits() throws Exception {
        List<String> lines = write(120, "[{\"name\":\"orders\",\"messages\":12,\"arguments\":{}},"
                + "{\"name\":\"q\",\"messages\":3,\"arguments\":{\"x-max-length\":10}}]");

        assertThat(lines).containsExactly(
                "NAME    MESSAGES  ARGUMENTS",
                "orders  12",
                "q       3         {\"x-max-length\":10}");
    }

    @Test
    void shouldCutTheWidestColumnFirstUntilEveryLineFitsTheWidth() throws Exception {
        String longName = "a-queue-name-much-too-long-for-the-terminal-it-is-shown-on";
        List<String> lines = write(40, "[{\"name\":\"" + longName + "\",\"messages\":7,\"arguments\":{}}]");

        assertThat(lines).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(40));
        assertThat(lines.get(1)).startsWith("a-queue-name-much").contains("~  7");
    }

    @Test
    void shouldKeepTheApiValuesInJson() throws Exception {
        JsonNode rows = JSON.readTree("[{\"name\":\"orders\",\"messages\":12,\"arguments\":{\"x-max-length\":10}}]");

        String json = new Table(COLUMNS, 10).json(rows).toString();

        assertThat(json).isEqualTo("[{\"name\":\"orders\",\"messages\":12,\"arguments\":{\"x-max-length\":10}}]");
    }

    @Test
    void shouldTakeTheWidthFromColumnsOrFallBackToTheDefault() {
        assertThat(Table.terminalWidth(Map.of("COLUMNS", "57"))).isEqualTo(57);
        assertThat(Table.terminalWidth(Map.of("COLUMNS", "wide"))).isEqualTo(Table.DEFAULT_WIDTH);
        assertThat(Table.terminalWidth(Map.of())).isEqualTo(Table.DEFAULT_WIDTH);
    }

    private static List<String> write(int width, String rows) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new Table(COLUMNS, width).write(new PrintStream(bytes, true, StandardCharsets.UTF_8), JSON.readTree(rows));
        return List.of(bytes.toString(StandardCharsets.UTF_8).split("\n"));
    }
}
