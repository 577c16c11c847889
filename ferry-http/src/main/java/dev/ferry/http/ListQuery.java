package dev.ferry.http;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The query parameters RabbitMQ's list endpoints take, and how they shape the answer:
 * <ul>
 *   <li>{@code name}, with {@code page} only (RabbitMQ ignores it without): keeps items whose name
 *       contains it, ignoring case; with {@code use_regex=true} a regular expression found
 *       anywhere in the name, ignoring case.</li>
 *   <li>{@code sort} (a field, dotted for nested ones: {@code message_stats.publish}) and
 *       {@code sort_reverse=true}; without {@code sort}, the endpoint's own order.</li>
 *   <li>{@code page} (from 1) and {@code page_size} (1 to 500, default 100): the answer becomes
 *       {@code {filtered_count, item_count, items, page, page_count, page_size, total_count}}
 *       instead of a plain array.</li>
 *   <li>{@code columns=a,b.c}: each item keeps only those fields.</li>
 * </ul>
 * Items are turned into JSON one at a time as they are written; only a sort by a field holds one
 * sort key per item, never the documents.
 */
public final class ListQuery {
    public static final int DEFAULT_PAGE_SIZE = 100;
    public static final int MAX_PAGE_SIZE = 500;

    private final Integer page;
    private final int pageSize;
    private final Predicate<String> nameFilter;
    private final String[] sortPath;
    private final boolean sortReverse;
    private final Columns columns;

    private ListQuery(Integer page, int pageSize, Predicate<String> nameFilter, String[] sortPath, boolean sortReverse,
                      Columns columns) {
        this.page = page;
        this.pageSize = pageSize;
        this.nameFilter = nameFilter;
        this.sortPath = sortPath;
        this.sortReverse = sortReverse;
        this.columns = columns;
    }

    /** Reads the parameters; 400 with RabbitMQ's error names for values it would refuse. */
    public static ListQuery from(Map<String, String> query) {
        String pageText = query.get("page");
        String pageSizeText = query.get("page_size");
        Integer page = null;
        int pageSize = DEFAULT_PAGE_SIZE;
        if (pageText != null) {
            page = parseOrNull(pageText);
            Integer size = pageSizeText == null ? Integer.valueOf(DEFAULT_PAGE_SIZE) : parseOrNull(pageSizeText);
            if (page == null || size == null || page < 1 || size < 1 || size > MAX_PAGE_SIZE) {
                throw new ApiException(400, "invalid_pagination_parameters", "Invalid pagination parameters: page number "
                        + pageText + ", page size " + (pageSizeText == null ? DEFAULT_PAGE_SIZE : pageSizeText));
            }
            pageSize = size;
        }
        String name = query.get("name");
        Predicate<String> nameFilter = null;
        if (page != null && name != null && !name.isEmpty()) {
            if ("true".equals(query.get("use_regex"))) {
                try {
                    Pattern pattern = Pattern.compile(name, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
                    nameFilter = candidate -> pattern.matcher(candidate).find();
                } catch (PatternSyntaxException e) {
                    throw ApiException.badRequest("invalid regular expression in name: " + e.getDescription());
                }
            } else {
                String wanted = name.toLowerCase(Locale.ROOT);
                nameFilter = candidate -> candidate.toLowerCase(Locale.ROOT).contains(wanted);
            }
        }
        String sort = query.get("sort");
        String[] sortPath = sort == null || sort.isEmpty() ? null : sort.split("\\.");
        Columns columns = Columns.parse(query.get("columns"));
        return new ListQuery(page, pageSize, nameFilter, sortPath, "true".equals(query.get("sort_reverse")), columns);
    }

    private static Integer parseOrNull(String text) {
        try {
            return Integer.valueOf(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The columns filter alone, for endpoints that answer one object. */
    public Map<String, Object> select(Map<String, Object> item) {
        return columns == null ? item : columns.select(item);
    }

    /**
     * Writes {@code items} (in the endpoint's order) as the parameters ask.
     *
     * @param name the name the {@code name} parameter filters on
     * @param json an item's JSON fields, built when it is written (and when it is sorted on)
     */
    public <T> void write(JsonGenerator out, List<T> items, Function<T, String> name,
                          Function<T, Map<String, Object>> json) throws IOException {
        List<T> selected = items;
        if (nameFilter != null) {
            selected = new ArrayList<>();
            for (T item : items) {
                if (nameFilter.test(name.apply(item))) {
                    selected.add(item);
                }
            }
        }
        if (sortPath != null) {
            selected = sorted(selected, json);
        }
        if (page == null) {
            out.writeStartArray();
            writeItems(out, selected, 0, selected.size(), json);
            out.writeEndArray();
            return;
        }
        int filtered = selected.size();
        int pageCount = (filtered + pageSize - 1) / pageSize;
        if (page > Math.max(1, pageCount)) {
            throw new ApiException(400, "page_out_of_range", "Page out of range, page: " + page + " page size: "
                    + pageSize + ", len: " + filtered);
        }
        int from = (page - 1) * pageSize;
        int to = Math.min(filtered, from + pageSize);
        out.writeStartObject();
        out.writeNumberField("filtered_count", filtered);
        out.writeNumberField("item_count", to - from);
        out.writeFieldName("items");
        out.writeStartArray();
        writeItems(out, selected, from, to, json);
        out.writeEndArray();
        out.writeNumberField("page", page);
        out.writeNumberField("page_count", pageCount);
        out.writeNumberField("page_size", pageSize);
        out.writeNumberField("total_count", items.size());
        out.writeEndObject();
    }

    private <T> void writeItems(JsonGenerator out, List<T> items, int from, int to,
                                Function<T, Map<String, Object>> json) throws IOException {
        for (int i = from; i < to; i++) {
            out.writeObject(select(json.apply(items.get(i))));
        }
    }

    private <T> List<T> sorted(List<T> items, Function<T, Map<String, Object>> json) {
        record Keyed<T>(Object key, T item) {
        }
        List<Keyed<T>> keyed = new ArrayList<>(items.size());
        for (T item : items) {
            keyed.add(new Keyed<>(valueAt(json.apply(item), sortPath), item));
        }
        Comparator<Keyed<T>> order = Comparator.comparing(Keyed::key, ListQuery::compareValues);
        keyed.sort(sortReverse ? order.reversed() : order);
        List<T> result = new ArrayList<>(keyed.size());
        for (Keyed<T> entry : keyed) {
            result.add(entry.item());
        }
        return result;
    }

    static Object valueAt(Map<String, Object> item, String[] path) {
        Object current = item;
        for (String key : path) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(key);
        }
        return current;
    }

    /** Missing values first, then numbers by value, then everything else by its text. */
    static int compareValues(Object left, Object right) {
        if (left == null || right == null) {
            return left == null ? (right == null ? 0 : -1) : 1;
        }
        if (left instanceof Number a && right instanceof Number b) {
            return Double.compare(a.doubleValue(), b.doubleValue());
        }
        if (left instanceof Number != right instanceof Number) {
            return left instanceof Number ? -1 : 1;
        }
        return String.valueOf(left).compareTo(String.valueOf(right));
    }

    /** The {@code columns} parameter as a tree: a leaf keeps a whole field, a branch the named sub-fields. */
    static final class Columns {
        private final Map<String, Columns> fields = new LinkedHashMap<>();

        static Columns parse(String text) {
            if (text == null || text.isBlank()) {
                return null;
            }
            Columns root = new Columns();
            for (String column : text.split(",")) {
                if (column.isBlank()) {
                    continue;
                }
                Columns node = root;
                for (String key : Arrays.asList(column.trim().split("\\."))) {
                    node = node.fields.computeIfAbsent(key, ignored -> new Columns());
                }
            }
            return root;
        }

        Map<String, Object> select(Map<String, Object> item) {
            Map<String, Object> kept = new LinkedHashMap<>();
            for (Map.Entry<String, Object> field : item.entrySet()) {
                Columns wanted = fields.get(field.getKey());
                if (wanted == null) {
                    continue;
                }
                if (wanted.fields.isEmpty()) {
                    kept.put(field.getKey(), field.getValue());
                } else if (field.getValue() instanceof Map<?, ?> nested) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> inner = (Map<String, Object>) nested;
                    kept.put(field.getKey(), wanted.select(inner));
                }
            }
            return kept;
        }
    }
}
