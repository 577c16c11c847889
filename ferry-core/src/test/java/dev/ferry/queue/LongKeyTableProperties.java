package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** LongKeyTable behaves like a HashMap under any mix of operations, including removal mid-run. */
class LongKeyTableProperties {

    /** One step: 0 put, 1 get, 2 remove, 3 remove every even value; on keys from a small range so runs collide. */
    record Step(int kind, long key) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Arbitraries.integers().between(0, 9).flatMap(kind ->
                Arbitraries.longs().between(-40, 400).map(key -> new Step(kind < 5 ? 0 : kind < 7 ? 1 : kind < 9 ? 2 : 3, key)));
        return step.list().ofMinSize(1).ofMaxSize(2_000);
    }

    @Property(tries = 200, seed = "20261121")
    void shouldAgreeWithHashMap(@ForAll("steps") List<Step> steps) {
        LongKeyTable<String> table = new LongKeyTable<>();
        Map<Long, String> reference = new HashMap<>();
        int counter = 0;
        for (Step step : steps) {
            switch (step.kind()) {
                case 0 -> {
                    String value = "v" + (counter++);
                    assertThat(table.put(step.key(), value)).isEqualTo(reference.put(step.key(), value));
                }
                case 1 -> assertThat(table.get(step.key())).isEqualTo(reference.get(step.key()));
                case 2 -> assertThat(table.remove(step.key())).isEqualTo(reference.remove(step.key()));
                default -> {
                    List<String> removed = new ArrayList<>();
                    table.removeIf(value -> Integer.parseInt(value.substring(1)) % 2 == 0, removed::add);
                    List<String> expected = new ArrayList<>();
                    reference.values().removeIf(value -> {
                        boolean even = Integer.parseInt(value.substring(1)) % 2 == 0;
                        if (even) {
                            expected.add(value);
                        }
                        return even;
                    });
                    assertThat(removed).containsExactlyInAnyOrderElementsOf(expected);
                }
            }
            assertThat(table.size()).isEqualTo(reference.size());
        }
        for (Map.Entry<Long, String> entry : reference.entrySet()) {
            assertThat(table.get(entry.getKey())).isEqualTo(entry.getValue());
        }
        List<String> all = new ArrayList<>();
        table.forEach(all::add);
        assertThat(all).containsExactlyInAnyOrderElementsOf(reference.values());
    }
}
