package dev.ferry.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** The trie must agree with a deliberately naive recursive matcher on random keys and patterns. */
class TopicTrieProperties {

    @Property(tries = 300)
    void trieShouldAgreeWithTheReferenceMatcher(
            @ForAll("patterns") @Size(max = 12) List<String> patterns,
            @ForAll("keys") @Size(max = 12) List<String> keys) {
        TopicTrie trie = new TopicTrie();
        for (int i = 0; i < patterns.size(); i++) {
            trie.add(patterns.get(i), Destination.queue("q" + i));
        }
        // Remove every third binding again, so pruning is exercised too.
        Set<Integer> removed = new HashSet<>();
        for (int i = 0; i < patterns.size(); i += 3) {
            trie.remove(patterns.get(i), Destination.queue("q" + i));
            removed.add(i);
        }

        for (String key : keys) {
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < patterns.size(); i++) {
                if (!removed.contains(i) && ReferenceMatcher.matches(patterns.get(i), key)) {
                    expected.add("q" + i);
                }
            }
            Set<String> actual = new HashSet<>();
            trie.match(key, d -> actual.add(d.name()));
            assertThat(actual).as("key '%s' against %s", key, patterns).isEqualTo(expected);
        }
    }

    @Provide
    Arbitrary<List<String>> patterns() {
        return words(List.of("a", "b", "", "*", "#")).list();
    }

    @Provide
    Arbitrary<List<String>> keys() {
        return words(List.of("a", "b", "", "c")).list();
    }

    private static Arbitrary<String> words(List<String> alphabet) {
        return Arbitraries.of(alphabet).list().ofMaxSize(5).map(words -> {
            if (words.isEmpty()) {
                return "";
            }
            return String.join(".", words);
        });
    }

    /** Word-by-word backtracking straight from the definition; slow but obviously right. */
    static final class ReferenceMatcher {
        static boolean matches(String pattern, String key) {
            return matches(split(pattern), 0, split(key), 0);
        }

        private static List<String> split(String s) {
            List<String> words = new ArrayList<>();
            if (s.isEmpty()) {
                return words;
            }
            int start = 0;
            while (true) {
                int dot = s.indexOf('.', start);
                if (dot < 0) {
                    words.add(s.substring(start));
                    return words;
                }
                words.add(s.substring(start, dot));
                start = dot + 1;
            }
        }

        private static boolean matches(List<String> pattern, int p, List<String> key, int k) {
            if (p == pattern.size()) {
                return k == key.size();
            }
            String word = pattern.get(p);
            if (word.equals("#")) {
                for (int skip = k; skip <= key.size(); skip++) {
                    if (matches(pattern, p + 1, key, skip)) {
                        return true;
                    }
                }
                return false;
            }
            if (k == key.size()) {
                return false;
            }
            return (word.equals("*") || word.equals(key.get(k))) && matches(pattern, p + 1, key, k + 1);
        }
    }
}
