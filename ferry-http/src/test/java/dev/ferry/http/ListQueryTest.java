package dev.ferry.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Paging, sorting, name filters and columns as RabbitMQ's list endpoints apply them. */
class ListQueryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A queue-like item: name, depth and a nested statistics object (only for some). */
    private record Item(String name, int messages, Integer published) {
        Map<String, Object> json() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", name);
            json.put("messages", messages);
            if (published != null) {
                json.put("message_stats", Map.of("publish", published, "ack", 0));
            }
            return json;
        }
    }

    private static List<Item> items(int count) {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            items.add(new Item(String.format("queue-%03d", i), (i * 7) % 11, i % 2 == 0 ? i : null));
        }
        return items;
    }

    private static JsonNode run(Map<String, String> query, List<Item> items) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
            ListQuery.from(query).write(json, items, Item::name, Item::json);
        }
        return JSON.readTree(out.toString());
    }

    private static List<String> names(JsonNode list) {
        List<String> names = new ArrayList<>();
        list.forEach(item -> names.add(item.path("name").asText()));
        return names;
    }

    @Test
    void shouldAnswerAPlainArrayInTheEndpointsOrderWithoutParameters() throws IOException {
        JsonNode answer = run(Map.of(), items(3));

        assertThat(answer.isArray()).isTrue();
        assertThat(names(answer)).containsExactly("queue-000", "queue-001", "queue-002");
    }

    @Test
    void shouldAnswerAPageWithRabbitMqsCounts() throws IOException {
        JsonNode page = run(Map.of("page", "3", "page_size", "10"), items(25));

        assertThat(page.path("page").asInt()).isEqualTo(3);
        assertThat(page.path("page_size").asInt()).isEqualTo(10);
        assertThat(page.path("page_count").asInt()).isEqualTo(3);
        assertThat(page.path("item_count").asInt()).isEqualTo(5);
        assertThat(page.path("filtered_count").asInt()).isEqualTo(25);
        assertThat(page.path("total_count").asInt()).isEqualTo(25);
        assertThat(names(page.path("items"))).startsWith("queue-020").endsWith("queue-024");
    }

    @Test
    void shouldDefaultToAHundredPerPage() throws IOException {
        JsonNode page = run(Map.of("page", "2"), items(150));

        assertThat(page.path("page_size").asInt()).isEqualTo(100);
        assertThat(page.path("item_count").asInt()).isEqualTo(50);
    }

    @Test
    void shouldAnswerAnEmptyFirstPageForAnEmptyList() throws IOException {
        JsonNode page = run(Map.of("page", "1"), List.of());

        assertThat(page.path("items")).isEmpty();
        assertThat(page.path("page_count").asInt()).isZero();
    }

    @Test
    void shouldRefusePagesOutOfRangeAndSizesAboveFiveHundred() {
        assertThatThrownBy(() -> run(Map.of("page", "4", "page_size", "10"), items(25)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.error()).isEqualTo("page_out_of_range");
                    assertThat(e.reason()).isEqualTo("Page out of range, page: 4 page size: 10, len: 25");
                });
        assertThatThrownBy(() -> run(Map.of("page", "1", "page_size", "501"), items(1)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.error()).isEqualTo("invalid_pagination_parameters");
                    assertThat(e.reason()).isEqualTo("Invalid pagination parameters: page number 1, page size 501");
                });
        assertThatThrownBy(() -> run(Map.of("page", "0"), items(1))).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> run(Map.of("page", "two"), items(1))).isInstanceOf(ApiException.class);
    }

    @Test
    void shouldFilterByNameIgnoringCaseOnPagesOnly() throws IOException {
        Map<String, String> filter = Map.of("name", "QUEUE-01", "page", "1");

        JsonNode page = run(filter, items(30));

        assertThat(page.path("filtered_count").asInt()).isEqualTo(10);
        assertThat(page.path("total_count").asInt()).isEqualTo(30);
        // RabbitMQ ignores name without page.
        assertThat(run(Map.of("name", "queue-01"), items(30))).hasSize(30);
    }

    @Test
    void shouldFilterByARegularExpressionWhenAsked() throws IOException {
        JsonNode page = run(Map.of("name", "^queue-00[0-4]$", "use_regex", "true", "page", "1"), items(30));

        assertThat(names(page.path("items"))).containsExactly("queue-000", "queue-001", "queue-002", "queue-003", "queue-004");
        assertThatThrownBy(() -> run(Map.of("name", "(", "use_regex", "true", "page", "1"), items(1)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void shouldSortByAFieldNumericallyAndReversed() throws IOException {
        List<Item> items = List.of(new Item("b", 10, null), new Item("a", 9, null), new Item("c", 100, null));

        assertThat(names(run(Map.of("sort", "messages"), items))).containsExactly("a", "b", "c");
        assertThat(names(run(Map.of("sort", "messages", "sort_reverse", "true"), items))).containsExactly("c", "b", "a");
        assertThat(names(run(Map.of("sort", "name"), items))).containsExactly("a", "b", "c");
    }

    @Test
    void shouldSortByANestedFieldWithMissingValuesFirst() throws IOException {
        List<Item> items = List.of(new Item("x", 0, 5), new Item("y", 0, null), new Item("z", 0, 1));

        assertThat(names(run(Map.of("sort", "message_stats.publish"), items))).containsExactly("y", "z", "x");
    }

    @Test
    void shouldSortBeforePaging() throws IOException {
        JsonNode page = run(Map.of("sort", "name", "sort_reverse", "true", "page", "1", "page_size", "2"), items(5));

        assertThat(names(page.path("items"))).containsExactly("queue-004", "queue-003");
    }

    @Test
    void shouldKeepOnlyTheColumnsAskedForIncludingNestedOnes() throws IOException {
        JsonNode answer = run(Map.of("columns", "name,message_stats.publish"), items(2));

        assertThat(answer.get(0).toString()).isEqualTo("{\"name\":\"queue-000\",\"message_stats\":{\"publish\":0}}");
        assertThat(answer.get(1).toString()).isEqualTo("{\"name\":\"queue-001\"}");
    }

    @Test
    void shouldApplyColumnsToPagedItems() throws IOException {
        JsonNode page = run(Map.of("columns", "messages", "page", "1", "page_size", "1"), items(3));

        assertThat(page.path("items").get(0).toString()).isEqualTo("{\"messages\":0}");
        assertThat(page.has("total_count")).isTrue();
    }
}
