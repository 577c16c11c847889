package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.ctl.ManagementClient;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Rows of the management API's JSON as {@code ferry} prints them: a table whose columns are as
 * wide as their widest value, the widest ones cut (ending in {@code ~}) until the table fits the
 * terminal's width; or, with {@code --format json}, a JSON array of objects with the same columns
 * and the API's own values (numbers stay numbers) for scripts.
 */
final class Table {
    /** Without COLUMNS (not a terminal, or a shell that does not export it), tables are cut at this width. */
    static final int DEFAULT_WIDTH = 120;
    private static final int GAP = 2;
    private static final int NARROWEST = 6;

    /** A column: its heading, and how a row's value is found (a JSON pointer by default). */
    record Column(String heading, Function<JsonNode, JsonNode> value) {
        static Column at(String heading, String pointer) {
            return new Column(heading, row -> row.at(pointer));
        }

        static Column of(String key) {
            return at(key, "/" + key);
        }
    }

    private final List<Column> columns;
    private final int width;

    Table(List<Column> columns, int width) {
        this.columns = List.copyOf(columns);
        this.width = width;
    }

    static int terminalWidth(Map<String, String> environment) {
        try {
            int columns = Integer.parseInt(environment.getOrDefault("COLUMNS", "").strip());
            return columns > 0 ? columns : DEFAULT_WIDTH;
        } catch (NumberFormatException e) {
            return DEFAULT_WIDTH;
        }
    }

    void write(PrintStream out, JsonNode rows) {
        List<String[]> cells = new ArrayList<>();
        String[] headings = columns.stream().map(column -> column.heading().toUpperCase(java.util.Locale.ROOT))
                .toArray(String[]::new);
        cells.add(headings);
        for (JsonNode row : rows) {
            String[] line = new String[columns.size()];
            for (int i = 0; i < line.length; i++) {
                line[i] = text(columns.get(i).value().apply(row));
            }
            cells.add(line);
        }
        int[] widths = fit(cells);
        for (String[] line : cells) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                String cell = cut(line[i], widths[i]);
                text.append(cell);
                if (i < line.length - 1) {
                    text.append(" ".repeat(widths[i] - cell.length() + GAP));
                }
            }
            out.println(text.toString().stripTrailing());
        }
    }

    /** Natural widths, then the widest column narrowed one step at a time until the line fits. */
    private int[] fit(List<String[]> cells) {
        int[] widths = new int[columns.size()];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        while (total(widths) > width) {
            int widest = 0;
            for (int i = 1; i < widths.length; i++) {
                if (widths[i] > widths[widest]) {
                    widest = i;
                }
            }
            if (widths[widest] <= NARROWEST) {
                break;
            }
            widths[widest]--;
        }
        return widths;
    }

    private static int total(int[] widths) {
        int sum = GAP * Math.max(0, widths.length - 1);
        for (int width : widths) {
            sum += width;
        }
        return sum;
    }

    private static String cut(String cell, int width) {
        return cell.length() <= width ? cell : cell.substring(0, width - 1) + "~";
    }

    ArrayNode json(JsonNode rows) {
        ArrayNode array = ManagementClient.JSON.createArrayNode();
        for (JsonNode row : rows) {
            ObjectNode object = array.addObject();
            for (Column column : columns) {
                JsonNode value = column.value().apply(row);
                object.set(column.heading(), value == null || value.isMissingNode() ? object.nullNode() : value);
            }
        }
        return array;
    }

    /** A value in a cell: strings bare, lists comma-separated, objects as compact JSON, nothing for null. */
    static String text(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return "";
        }
        if (value.isTextual()) {
            return value.asText().replace('\n', ' ');
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(text(item)));
            return String.join(",", items);
        }
        if (value.isObject()) {
            Iterator<String> names = value.fieldNames();
            return names.hasNext() ? value.toString() : "";
        }
        return value.asText();
    }
}
