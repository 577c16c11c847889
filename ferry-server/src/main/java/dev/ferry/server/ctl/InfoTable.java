package dev.ferry.server.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A list command's rows written as rabbitmqctl writes them: tab-separated columns under a header
 * line (none with {@code --silent} or {@code --no-table-headers}, and none at all when there is
 * no row), or with {@code --formatter json} one JSON object per row in rabbitmqctl's layout. Each
 * column is a JSON pointer into the management API's document of the object.
 */
final class InfoTable {
    /** A column rabbitmqctl knows, and where its value is in the API's JSON. */
    record Column(String key, String pointer) {
        static Column same(String key) {
            return new Column(key, "/" + key);
        }
    }

    private final List<Column> columns;

    InfoTable(List<Column> columns) {
        this.columns = List.copyOf(columns);
    }

    /**
     * The columns named on the command line, or the defaults; an unknown key is a usage error
     * with rabbitmqctl's text.
     */
    static InfoTable select(List<Column> known, List<String> requested, List<String> defaults) throws CtlException {
        List<String> keys = requested == null || requested.isEmpty() ? defaults : requested;
        List<Column> chosen = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String requestedKey : keys) {
            for (String key : requestedKey.split(",")) {
                if (key.isBlank()) {
                    continue;
                }
                known.stream().filter(column -> column.key().equals(key.strip())).findFirst()
                        .ifPresentOrElse(chosen::add, () -> unknown.add(key.strip()));
            }
        }
        if (!unknown.isEmpty()) {
            throw new UsageException("Info key(s) " + String.join(",", unknown) + " are not supported",
                    "valid keys: " + String.join(", ", known.stream().map(Column::key).toList()));
        }
        return new InfoTable(chosen);
    }

    void write(PrintStream out, Iterable<JsonNode> rows, boolean headers, boolean json) {
        if (json) {
            writeJson(out, rows);
            return;
        }
        boolean first = true;
        for (JsonNode row : rows) {
            if (first && headers) {
                out.println(String.join("\t", columns.stream().map(Column::key).toList()));
            }
            first = false;
            List<String> values = new ArrayList<>(columns.size());
            for (Column column : columns) {
                values.add(text(row.at(column.pointer())));
            }
            out.println(String.join("\t", values));
        }
    }

    private void writeJson(PrintStream out, Iterable<JsonNode> rows) {
        out.println("[");
        boolean first = true;
        for (JsonNode row : rows) {
            ObjectNode object = ManagementClient.JSON.createObjectNode();
            for (Column column : columns) {
                JsonNode value = row.at(column.pointer());
                object.set(column.key(), value.isMissingNode() ? object.nullNode() : value);
            }
            out.println((first ? "" : ",") + object);
            first = false;
        }
        out.println("]");
    }

    /**
     * One value as rabbitmqctl prints it: strings bare, lists in brackets
     * ({@code [administrator, monitoring]}), tables as Erlang tuples
     * ({@code [{"x-max-length",10}]}), nothing for an absent value.
     */
    static String text(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return "";
        }
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(text(item)));
            return "[" + String.join(", ", items) + "]";
        }
        if (value.isObject()) {
            List<String> pairs = new ArrayList<>();
            Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                pairs.add("{" + quoted(field.getKey()) + "," + term(field.getValue()) + "}");
            }
            return "[" + String.join(",", pairs) + "]";
        }
        return value.asText();
    }

    /** A value inside a table, where rabbitmqctl quotes strings. */
    private static String term(JsonNode value) {
        if (value.isTextual()) {
            return quoted(value.asText());
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(term(item)));
            return "[" + String.join(",", items) + "]";
        }
        return text(value);
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
