package io.visprompt.dataset.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import io.visprompt.dataset.Split;
import io.visprompt.dataset.internal.ImageFolderLayout.Placement;
import org.junit.jupiter.api.Test;
import io.visprompt.dataset.ImageRejected;

class ImageFolderLayoutTests {

    @Test
    void plainImageFolderHasSortedClassFolders() throws Exception {
        ImageFolderLayout layout = ImageFolderLayout.of(List.of("dogs/1.png", "cats/1.png", "cats/nested/2.png"),
                List.of(), List.of());

        assertThat(layout.explicitSplits()).isFalse();
        assertThat(layout.classNames()).containsExactly("cats", "dogs");
        assertThat(layout.place("cats/nested/2.png")).isEqualTo(new Placement("cats", null));
    }

    @Test
    void stripsFoldersThatWrapEverythingAndFindsSplitFolders() throws Exception {
        ImageFolderLayout layout = ImageFolderLayout.of(
                List.of("data/mnist/train/0/a.png", "data/mnist/train/1/b.png", "data/mnist/Val/1/c.png"),
                List.of("data/mnist/README.txt"), List.of("data/", "data/mnist/test/2/"));

        assertThat(layout.explicitSplits()).isTrue();
        assertThat(layout.classNames()).containsExactly("0", "1", "2");
        assertThat(layout.place("data/mnist/Val/1/c.png")).isEqualTo(new Placement("1", Split.VAL));
    }

    @Test
    void keepsTheOnlyClassFolderInsteadOfTakingItForAWrapper() {
        ImageFolderLayout layout = ImageFolderLayout.of(List.of("cats/a.png", "cats/b.png"), List.of(), List.of());

        assertThat(layout.classNames()).containsExactly("cats");
    }

    @Test
    void classFoldersWithoutUsableImagesStillCount() {
        ImageFolderLayout layout = ImageFolderLayout.of(List.of("cats/a.png"), List.of("dogs/broken.jpg", "notes.txt"),
                List.of("birds/"));

        assertThat(layout.classNames()).containsExactly("birds", "cats", "dogs");
    }

    @Test
    void imagesOutsideClassOrSplitFoldersAreRejectedOneByOne() {
        ImageFolderLayout plain = ImageFolderLayout.of(List.of("cats/a.png", "stray.png"), List.of(), List.of());
        ImageFolderLayout split = ImageFolderLayout.of(List.of("train/cats/a.png", "train/b.png", "extra/cats/c.png"),
                List.of(), List.of());

        assertThatThrownBy(() -> plain.place("stray.png")).isInstanceOfSatisfying(ImageRejected.class,
                e -> assertThat(e.reason()).isEqualTo(ImageFolderLayout.OUTSIDE_CLASS_FOLDER));
        assertThatThrownBy(() -> split.place("train/b.png")).isInstanceOfSatisfying(ImageRejected.class,
                e -> assertThat(e.reason()).isEqualTo(ImageFolderLayout.OUTSIDE_CLASS_FOLDER));
        assertThatThrownBy(() -> split.place("extra/cats/c.png")).isInstanceOfSatisfying(ImageRejected.class,
                e -> assertThat(e.reason()).isEqualTo(ImageFolderLayout.OUTSIDE_SPLIT_FOLDER));
    }
}
