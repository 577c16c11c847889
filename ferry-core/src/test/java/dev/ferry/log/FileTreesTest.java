package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
    @TempDir
    Path directory;

    @Test
    void deletesEveryLevelOfATreeAndNothingBesideIt() throws IOException {
        Path tree = directory.resolve("orders-0.delete");
        Files.createDirectories(tree.resolve("a/b/c"));
        Files.writeString(tree.resolve("a/b/c/00000000000000000000.log"), "records");
        Files.writeString(tree.resolve("a/00000000000000000000.index"), "index");
        Files.writeString(tree.resolve("partition.metadata"), "version: 0");
        Path sibling = Files.writeString(directory.resolve("orders-1"), "kept");

        FileTrees.deleteRecursively(tree);

        assertThat(tree).doesNotExist();
        assertThat(sibling).hasContent("kept");
    }

    @Test
    void takesATreeThatIsNotThereAsDeleted() {
        Path missing = directory.resolve("never-made");

        assertThatCode(() -> FileTrees.deleteRecursively(missing)).doesNotThrowAnyException();
        assertThat(directory).isEmptyDirectory();
    }

    @Test
    void deletesARootThatIsAFile() throws IOException {
        Path file = Files.writeString(directory.resolve("leftover.tmp"), "x");

        FileTrees.deleteRecursively(file);

        assertThat(file).doesNotExist();
    }

    @Test
    void removesALinkInTheTreeWithoutFollowingIt() throws IOException {
        // A link inside a doomed directory must not take its target's files with it.
        Path outside = Files.createDirectories(directory.resolve("elsewhere"));
        Path precious = Files.writeString(outside.resolve("data"), "keep me");
        Path tree = Files.createDirectories(directory.resolve("doomed"));
        Files.createSymbolicLink(tree.resolve("link"), outside);

        FileTrees.deleteRecursively(tree);

        assertThat(tree).doesNotExist();
        assertThat(precious).hasContent("keep me");
    }
}
