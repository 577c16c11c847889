package dev.ferry.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Whole directory trees on the real file system: a deleted topic, a state log's replaced copy, the
 * paging files of a previous run. One place, so every caller removes a tree the same way and only
 * chooses what a failure means to it (throw, or log and go on).
 */
public final class FileTrees {
    private FileTrees() {
    }

    /**
     * Deletes {@code root} and everything under it, deepest first, so each directory is empty when its
     * turn comes. A tree that is not there, or a file that goes while this runs, counts as deleted;
     * the first other failure stops the walk and is thrown, leaving what it had not reached.
     */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
