package dev.ferry.route;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Topic binding patterns stored as a trie of words, so that matching a routing key costs time in
 * proportion to the key's length and the patterns that actually match, not to the number of
 * bindings.
 *
 * <p>Words are separated by {@code '.'}. In a pattern, {@code *} matches exactly one word and
 * {@code #} matches zero or more words. Splitting follows RabbitMQ: the empty string has zero
 * words, and {@code "a..b"} has three words, the middle one empty ({@code *} matches an empty word).
 *
 * <p>Thread safety: one writer at a time ({@link #add}, {@link #remove}; the virtual host's
 * metadata lock), any number of concurrent lock-free readers ({@link #match}). Child maps are
 * concurrent maps and each node's destinations are an immutable array swapped on change, so a
 * reader sees each binding either entirely or not at all.
 *
 * <p>Design note: consecutive {@code #} words are collapsed on insert ({@code #.#} means the same
 * as {@code #}); without that, a pattern of k hashes would explore a number of paths exponential
 * in k for each routing key.
 */
public final class TopicTrie {
    private static final String ONE_WORD = "*";
    private static final String ANY_WORDS = "#";

    private final Node root = new Node();

    /** Adds one binding of {@code pattern} to {@code destination}. */
    public void add(String pattern, Destination destination) {
        Node node = root;
        for (String word : normalise(pattern)) {
            node = node.children.computeIfAbsent(word, w -> new Node());
        }
        node.destinations.add(destination);
    }

    /** Removes one binding of {@code pattern} to {@code destination}; absent bindings are ignored. */
    public void remove(String pattern, Destination destination) {
        List<String> words = normalise(pattern);
        List<Node> path = new ArrayList<>(words.size() + 1);
        Node node = root;
        path.add(node);
        for (String word : words) {
            node = node.children.get(word);
            if (node == null) {
                return;
            }
            path.add(node);
        }
        node.destinations.remove(destination);
        // Prune nodes that lead nowhere any more, deepest first, so the trie does not grow with
        // every pattern ever bound.
        for (int depth = words.size(); depth > 0; depth--) {
            Node child = path.get(depth);
            if (!child.isUnused()) {
                break;
            }
            path.get(depth - 1).children.remove(words.get(depth - 1), child);
        }
    }

    /** Calls {@code sink} for every destination whose pattern matches; a destination may repeat. */
    public void match(String routingKey, Consumer<Destination> sink) {
        match(root, splitWords(routingKey), 0, sink);
    }

    private static void match(Node node, String[] words, int position, Consumer<Destination> sink) {
        Node anyWords = node.children.get(ANY_WORDS);
        if (anyWords != null) {
            // '#' swallows zero, one, ... or all the remaining words.
            for (int next = position; next <= words.length; next++) {
                match(anyWords, words, next, sink);
            }
        }
        if (position == words.length) {
            node.destinations.forEach(sink);
            return;
        }
        Node literal = node.children.get(words[position]);
        if (literal != null) {
            match(literal, words, position + 1, sink);
        }
        Node oneWord = node.children.get(ONE_WORD);
        if (oneWord != null && oneWord != literal) {
            match(oneWord, words, position + 1, sink);
        }
    }

    /** Splits a routing key or pattern into words the way RabbitMQ does. */
    static String[] splitWords(String key) {
        if (key.isEmpty()) {
            return new String[0];
        }
        int wordCount = 1;
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) == '.') {
                wordCount++;
            }
        }
        String[] words = new String[wordCount];
        int start = 0;
        for (int word = 0; word < wordCount - 1; word++) {
            int dot = key.indexOf('.', start);
            words[word] = key.substring(start, dot);
            start = dot + 1;
        }
        words[wordCount - 1] = key.substring(start);
        return words;
    }

    private static List<String> normalise(String pattern) {
        List<String> words = new ArrayList<>();
        for (String word : splitWords(pattern)) {
            boolean repeatsAnyWords = ANY_WORDS.equals(word) && !words.isEmpty()
                    && ANY_WORDS.equals(words.get(words.size() - 1));
            if (!repeatsAnyWords) {
                words.add(word);
            }
        }
        return words;
    }

    /** Nodes in the trie, the root included: removals prune what leads nowhere (for tests). */
    int nodeCount() {
        int count = 0;
        List<Node> pending = new ArrayList<>(List.of(root));
        while (!pending.isEmpty()) {
            Node node = pending.remove(pending.size() - 1);
            count++;
            pending.addAll(node.children.values());
        }
        return count;
    }

    private static final class Node {
        final ConcurrentHashMap<String, Node> children = new ConcurrentHashMap<>();
        final DestinationSet destinations = new DestinationSet();

        boolean isUnused() {
            return children.isEmpty() && destinations.isEmpty();
        }
    }
}
