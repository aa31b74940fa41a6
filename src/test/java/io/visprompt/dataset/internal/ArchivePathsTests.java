package io.visprompt.dataset.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visprompt.dataset.internal.UploadRejected.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArchivePathsTests {

    @Test
    void dropsDotAndEmptySegmentsFromOrdinaryNames() {
        assertThat(ArchivePaths.normalize("./cats//a.png")).isEqualTo("cats/a.png");
        assertThat(ArchivePaths.normalize("cats/")).isEqualTo("cats");
        assertThat(ArchivePaths.normalize("./")).isEmpty();
        assertThat(ArchivePaths.normalize("cats/..a.png")).isEqualTo("cats/..a.png");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../evil.png", "cats/../../evil.png", "cats/..", "..", "./../x/a.png"})
    void refusesParentSegments(String name) {
        assertUnsafe(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/etc/passwd", "/cats/a.png", "C:/Windows/a.png", "c:a.png"})
    void refusesAbsoluteNamesAndDriveLetters(String name) {
        assertUnsafe(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cats\\a.png", "..\\..\\evil.png", "cats/sub\\..\\a.png"})
    void refusesBackslashes(String name) {
        assertUnsafe(name);
    }

    @Test
    void refusesNulCharactersAndOverlongNames() {
        assertUnsafe("cats/a.png\0.txt");
        assertUnsafe("a/".repeat(ArchivePaths.MAX_PATH_LENGTH));
    }

    @Test
    void ignoresOperatingSystemDebrisButNotImages() {
        assertThat(ArchivePaths.isIgnored("__MACOSX/cats/._a.png")).isTrue();
        assertThat(ArchivePaths.isIgnored("cats/.DS_Store")).isTrue();
        assertThat(ArchivePaths.isIgnored(".git/config")).isTrue();
        assertThat(ArchivePaths.isIgnored("cats/Thumbs.db")).isTrue();
        assertThat(ArchivePaths.isIgnored("cats/a.png")).isFalse();
        assertThat(ArchivePaths.isIgnored("mnist/train/0/a.png")).isFalse();
    }

    private static void assertUnsafe(String name) {
        assertThatThrownBy(() -> ArchivePaths.normalize(name)).isInstanceOfSatisfying(UploadRejected.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.UNSAFE_PATH);
            assertThat(e.properties()).containsKey("path");
        });
    }
}
