package io.visprompt.dataset.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import io.visprompt.dataset.internal.ArchiveReader.ArchiveFile;
import io.visprompt.dataset.internal.ArchiveReader.ArchiveStats;
import io.visprompt.dataset.internal.ArchiveReader.ArchiveVisitor;
import io.visprompt.dataset.internal.TestArchives.Format;
import io.visprompt.dataset.internal.UploadRejected.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ArchiveReaderTests {

    private static final ArchiveLimits ROOMY = new ArchiveLimits(10_000_000, 100, 10_000_000, 50, 1_000_000);

    @ParameterizedTest
    @EnumSource(Format.class)
    void readsEntriesOfEveryFormatInArchiveOrder(Format format) {
        byte[] archive = TestArchives.of(format).directory("cats").file("cats/a.png", bytes(3, 1))
                .file("./dogs//b.png", bytes(5, 2)).bytes();

        Recorded recorded = read(ROOMY, archive, true);

        assertThat(recorded.events).containsExactly("dir cats", "file cats/a.png 3", "file dogs/b.png 5");
        assertThat(recorded.stats.entries()).isEqualTo(3);
        assertThat(recorded.stats.uploadBytes()).isEqualTo(archive.length);
    }

    @Test
    void refusesTarSymbolicLinks() {
        byte[] archive = TestArchives.tar().file("cats/a.png", bytes(3, 1)).symlink("cats/b.png", "/etc/passwd").bytes();

        assertRejected(ROOMY, archive, Reason.UNSAFE_PATH);
    }

    @Test
    void refusesTarHardLinks() {
        byte[] archive = TestArchives.tarGz().hardLink("cats/b.png", "../../etc/passwd").bytes();

        assertRejected(ROOMY, archive, Reason.UNSAFE_PATH);
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void refusesEntriesThatClimbOutOfTheArchive(Format format) {
        byte[] archive = TestArchives.of(format).file("cats/a.png", bytes(3, 1)).file("../evil.png", bytes(3, 1)).bytes();

        assertThatThrownBy(() -> read(ROOMY, archive, true)).isInstanceOfSatisfying(UploadRejected.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.UNSAFE_PATH);
            assertThat(e.properties()).containsEntry("path", "../evil.png");
        });
    }

    @Test
    void refusesZipNamesWithBackslashesThoughTheZipReaderWouldTurnThemIntoSlashes() {
        byte[] archive = TestArchives.zip().file("cats\\a.png", bytes(3, 1)).bytes();

        assertThatThrownBy(() -> read(ROOMY, archive, true)).isInstanceOfSatisfying(UploadRejected.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.UNSAFE_PATH);
            assertThat(e.properties()).containsEntry("path", "cats\\a.png");
        });
    }

    @Test
    void countsUploadedBytesWhileReading() {
        byte[] archive = TestArchives.tar().file("cats/a.png", random(40_000)).bytes();
        ArchiveLimits limits = new ArchiveLimits(20_000, 100, 10_000_000, 50, 1_000_000);

        assertRejected(limits, archive, Reason.UPLOAD_TOO_LARGE);
    }

    @ParameterizedTest
    @EnumSource(value = Format.class, names = {"ZIP", "TAR_GZ"})
    void refusesHighlyCompressedContentAsABombEvenWhenNobodyReadsIt(Format format) {
        byte[] archive = TestArchives.of(format).file("cats/a.png", new byte[3_000_000]).bytes();
        ArchiveLimits limits = new ArchiveLimits(10_000_000, 100, 5_000_000, 50, 1_000_000);

        assertThatThrownBy(() -> read(limits, archive, false)).isInstanceOfSatisfying(UploadRejected.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.ZIP_BOMB));
    }

    @Test
    void refusesArchivesThatExpandPastTheLimitWithoutTrustingDeclaredSizes() {
        byte[] archive = TestArchives.tar().file("cats/a.png", random(300_000)).bytes();
        ArchiveLimits limits = new ArchiveLimits(10_000_000, 100, 200_000, 50, 1_000_000);

        assertRejected(limits, archive, Reason.ARCHIVE_TOO_LARGE);
    }

    @Test
    void refusesTooManyEntries() {
        TestArchives many = TestArchives.zip();
        for (int i = 0; i < 11; i++) {
            many.file("cats/" + i + ".png", bytes(1, i));
        }
        ArchiveLimits limits = new ArchiveLimits(10_000_000, 10, 10_000_000, 50, 1_000_000);

        assertRejected(limits, many.bytes(), Reason.ARCHIVE_TOO_LARGE);
    }

    @Test
    void offersNoContentForFilesOverTheFileLimitAndGoesOn() {
        byte[] archive = TestArchives.zip().file("cats/big.png", random(2_000)).file("cats/small.png", bytes(10, 1)).bytes();
        ArchiveLimits limits = new ArchiveLimits(10_000_000, 100, 10_000_000, 50, 1_000);

        Recorded recorded = read(limits, archive, true);

        assertThat(recorded.events).containsExactly("file cats/big.png none", "file cats/small.png 10");
    }

    @Test
    void refusesContentThatIsNotAnArchive() {
        assertRejected(ROOMY, TestImages.png(4, 4, 0xFF0000), Reason.NOT_AN_ARCHIVE);
        assertRejected(ROOMY, "hello".getBytes(), Reason.NOT_AN_ARCHIVE);
        assertRejected(ROOMY, new byte[0], Reason.NOT_AN_ARCHIVE);
    }

    @Test
    void refusesGzipThatHoldsNoTar() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write("just text, no tar headers".getBytes());
        }

        assertRejected(ROOMY, out.toByteArray(), Reason.NOT_AN_ARCHIVE);
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void reportsTruncatedArchivesAsCorrupt(Format format) {
        byte[] archive = TestArchives.of(format).file("cats/a.png", random(50_000)).file("cats/b.png", random(50_000)).bytes();
        byte[] truncated = Arrays.copyOf(archive, archive.length / 3);

        assertRejected(ROOMY, truncated, Reason.CORRUPT_ARCHIVE);
    }

    private record Recorded(List<String> events, ArchiveStats stats) {
    }

    private static Recorded read(ArchiveLimits limits, byte[] archive, boolean readContent) {
        List<String> events = new ArrayList<>();
        ArchiveStats stats = new ArchiveReader(limits).read(new ByteArrayInputStream(archive), new ArchiveVisitor() {
            @Override
            public void directory(String path) {
                events.add("dir " + path);
            }

            @Override
            public void file(ArchiveFile file) {
                if (readContent) {
                    events.add("file " + file.path() + " " + file.content().map(c -> String.valueOf(c.length)).orElse("none"));
                } else {
                    events.add("file " + file.path());
                }
            }
        });
        return new Recorded(events, stats);
    }

    private static void assertRejected(ArchiveLimits limits, byte[] archive, Reason reason) {
        assertThatThrownBy(() -> read(limits, archive, true)).isInstanceOfSatisfying(UploadRejected.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private static byte[] bytes(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        return bytes;
    }
}
