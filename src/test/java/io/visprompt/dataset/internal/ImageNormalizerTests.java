package io.visprompt.dataset.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import io.visprompt.dataset.internal.ImageNormalizer.NormalizedImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.visprompt.dataset.ImageRejected;
import io.visprompt.dataset.RgbImages;

class ImageNormalizerTests {

    @TempDir
    Path dir;

    private final ImageNormalizer normalizer = new ImageNormalizer(10_000);

    @Test
    void storesJpegAsRgbPng() throws Exception {
        NormalizedImage stored = normalizer.normalize(TestImages.jpeg(12, 8, 0x3366CC), dir.resolve("a.png"));

        BufferedImage image = TestImages.decode(Files.readAllBytes(dir.resolve("a.png")));
        assertThat(stored).isEqualTo(new NormalizedImage(12, 8, Files.size(dir.resolve("a.png"))));
        assertThat(image.getType()).isIn(BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB);
        assertThat(image.getColorModel().hasAlpha()).isFalse();
    }

    @Test
    void copiesGrayValuesToAllChannelsUnchanged() throws Exception {
        normalizer.normalize(TestImages.grayPng(4, 4, 100), dir.resolve("gray.png"));

        assertThat(pixel(dir.resolve("gray.png"))).isEqualTo(0x646464);
    }

    @Test
    void dropsAlphaAndExpandsPalettes() throws Exception {
        normalizer.normalize(TestImages.argbPng(4, 4, 0x40FF8000), dir.resolve("rgba.png"));
        normalizer.normalize(TestImages.palettePng(4, 4, 0x10A0F0), dir.resolve("palette.png"));

        assertThat(pixel(dir.resolve("rgba.png"))).isEqualTo(0xFF8000);
        assertThat(pixel(dir.resolve("palette.png"))).isEqualTo(0x10A0F0);
    }

    @Test
    void refusesImagesOverThePixelLimitFromTheHeaderAlone() {
        // 50000 x 50000 RGB would need ~7.5 GB to decode; the header check answers first.
        assertThatThrownBy(() -> normalizer.normalize(TestImages.pngClaiming(50_000, 50_000), dir.resolve("x.png")))
                .isInstanceOfSatisfying(ImageRejected.class, e -> assertThat(e.reason()).isEqualTo(RgbImages.TOO_LARGE));
        assertThat(dir.resolve("x.png")).doesNotExist();
    }

    @Test
    void refusesUndecodableAndForeignFormats() {
        byte[] png = TestImages.png(20, 20, 0xFF0000);
        byte[] truncated = Arrays.copyOf(png, png.length / 2);

        assertThatThrownBy(() -> normalizer.normalize(truncated, dir.resolve("t.png")))
                .isInstanceOfSatisfying(ImageRejected.class, e -> assertThat(e.reason()).isEqualTo(RgbImages.UNDECODABLE));
        assertThatThrownBy(() -> normalizer.normalize("not an image".getBytes(), dir.resolve("n.png")))
                .isInstanceOfSatisfying(ImageRejected.class, e -> assertThat(e.reason()).isEqualTo(RgbImages.UNDECODABLE));
        assertThatThrownBy(() -> normalizer.normalize(TestImages.gif(4, 4, 0xFF0000), dir.resolve("g.png")))
                .isInstanceOfSatisfying(ImageRejected.class,
                        e -> assertThat(e.reason()).isEqualTo(RgbImages.UNSUPPORTED_FORMAT));
    }

    private static int pixel(Path png) throws Exception {
        return TestImages.decode(Files.readAllBytes(png)).getRGB(1, 1) & 0xFFFFFF;
    }
}
