package io.visprompt.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTests {

    @TempDir
    Path temp;

    @Test
    void deletingATreeRemovesItsLinksButNotWhatTheyPointAt() throws IOException {
        Path outside = Files.createDirectories(temp.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "kept");
        Path tree = Files.createDirectories(temp.resolve("tree/a/b"));
        Files.writeString(tree.resolve("file.bin"), "x");
        Files.createSymbolicLink(temp.resolve("tree/a/link"), outside);

        FileTrees.delete(temp.resolve("tree"));

        assertThat(temp.resolve("tree")).doesNotExist();
        assertThat(outside.resolve("keep.txt")).hasContent("kept");
    }

    @Test
    void deletingContentsKeepsTheRootAndAMissingRootIsNoError() throws IOException {
        Path root = Files.createDirectories(temp.resolve("cache"));
        Files.createDirectories(root.resolve("models/1"));
        Files.writeString(root.resolve("models/1/model.pt"), "weights");

        FileTrees.deleteContents(root);
        FileTrees.delete(temp.resolve("never-made"));

        assertThat(root).isEmptyDirectory();
        assertThat(temp.resolve("never-made")).doesNotExist();
    }
}
