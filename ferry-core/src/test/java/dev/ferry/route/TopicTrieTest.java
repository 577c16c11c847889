package dev.ferry.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Examples for what the properties in {@link TopicTrieProperties} do not pin down: pruning and work per match. */
class TopicTrieTest {
    private final TopicTrie trie = new TopicTrie();

    private List<Destination> matches(String key) {
        List<Destination> found = new ArrayList<>();
        trie.match(key, found::add);
        return found;
    }

    @Test
    void shouldPruneEveryNodeOnceItsBindingsAreGone() {
        Destination q = Destination.queue("q");
        trie.add("a.b.c", q);
        trie.add("a.#.d", q);
        trie.add("*.x", q);

        trie.remove("a.b.c", q);
        trie.remove("a.#.d", q);
        trie.remove("*.x", q);

        assertThat(trie.nodeCount()).isEqualTo(1);
        assertThat(matches("a.b.c")).isEmpty();
    }

    @Test
    void shouldKeepTheNodesOfPatternsThatShareAPrefixWithARemovedOne() {
        Destination left = Destination.queue("left");
        Destination right = Destination.queue("right");
        trie.add("a.b", left);
        trie.add("a.c", right);
        trie.add("a", right);

        trie.remove("a.b", left);

        assertThat(matches("a.c")).containsExactly(right);
        assertThat(matches("a")).containsExactly(right);
        assertThat(trie.nodeCount()).isEqualTo(3);
    }

    @Test
    void shouldIgnoreTheRemovalOfAPatternThatWasNeverAdded() {
        Destination q = Destination.queue("q");
        trie.add("a", q);

        trie.remove("a.b.c", q);
        trie.remove("z", q);
        trie.remove("a", Destination.queue("other"));

        assertThat(matches("a")).containsExactly(q);
        assertThat(trie.nodeCount()).isEqualTo(2);
    }

    @Test
    void shouldMatchARunOfHashesOnceAsASingleHash() {
        Destination q = Destination.queue("q");
        trie.add("#.#.#.#.#.#.#.#", q);

        assertThat(matches("a.b.c.d.e.f.g.h.i.j.k.l")).containsExactly(q);
        assertThat(matches("")).containsExactly(q);
        assertThat(trie.nodeCount()).as("stored as one '#' node").isEqualTo(2);

        trie.remove("#", q);
        assertThat(trie.nodeCount()).isEqualTo(1);
    }

    @Test
    void shouldKeepHashesThatAreNotNextToEachOther() {
        Destination q = Destination.queue("q");
        trie.add("#.a.#", q);

        assertThat(matches("a")).containsExactly(q);
        assertThat(matches("x.a.y")).containsExactly(q);
        assertThat(matches("x.y")).isEmpty();
    }
}
