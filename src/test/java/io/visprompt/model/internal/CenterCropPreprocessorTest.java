package io.visprompt.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;

import org.junit.jupiter.api.Test;

class CenterCropPreprocessorTest {

    private static final float[] MEAN = {0.5f, 0.25f, 0.125f};
    private static final float[] STD = {0.5f, 0.25f, 2f};

    @Test
    void cropsTheCentreWithTorchvisionOffsetsAndKeepsChannelsLast() {
        // 9 x 4, shorter side already 4: no resampling; left offset round-half-even((9 - 4) / 2 = 2.5) = 2
        BufferedImage image = new BufferedImage(9, 4, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 9; x++) {
            for (int y = 0; y < 4; y++) {
                image.setRGB(x, y, (10 * x) << 16 | (100 + y) << 8 | 7);
            }
        }

        float[] pixels = new CenterCropPreprocessor(4, 4, MEAN, STD).toPixelsHwc(image);

        assertThat(pixels).hasSize(4 * 4 * 3);
        // row 1, column 0 of the crop is source (x=2, y=1): channels R, G, B next to each other
        int at = (1 * 4 + 0) * 3;
        assertThat(pixels[at]).isEqualTo(20 / 255f);
        assertThat(pixels[at + 1]).isEqualTo(101 / 255f);
        assertThat(pixels[at + 2]).isEqualTo(7 / 255f);
        assertThat(pixels[(0 * 4 + 3) * 3]).isEqualTo(50 / 255f); // column 3 of the crop is x = 5
    }

    @Test
    void resizesTheShorterSideAndTruncatesTheLongerLikeTorchvision() {
        BufferedImage resized = CenterCropPreprocessor.resizeShorterSide(
                new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB), 32);

        assertThat(resized.getHeight()).isEqualTo(32);
        assertThat(resized.getWidth()).isEqualTo(42); // int(32 * 64 / 48)
    }

    @Test
    void greyImagesKeepTheirStoredLevels() {
        BufferedImage grey = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = grey.getRaster();
        for (int x = 0; x < 8; x++) {
            for (int y = 0; y < 8; y++) {
                raster.setSample(x, y, 0, 128);
            }
        }

        float[] pixels = new CenterCropPreprocessor(8, 8, MEAN, STD).toPixelsHwc(grey);

        assertThat(pixels).containsOnly(128 / 255f);
    }

    @Test
    void alphaIsDroppedNotComposited() {
        BufferedImage transparent = new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB);
        for (int x = 0; x < 4; x++) {
            for (int y = 0; y < 4; y++) {
                transparent.setRGB(x, y, 0x00C86432); // alpha 0, RGB (200, 100, 50)
            }
        }

        float[] pixels = new CenterCropPreprocessor(4, 4, MEAN, STD).toPixelsHwc(transparent);

        assertThat(pixels[0]).isEqualTo(200 / 255f);
        assertThat(pixels[1]).isEqualTo(100 / 255f);
        assertThat(pixels[2]).isEqualTo(50 / 255f);
    }

    @Test
    void normalizesEachChannelWithTheModelsMeanAndStd() {
        BufferedImage image = solid(20, 20, 255, 51, 0);
        CenterCropPreprocessor preprocessor = new CenterCropPreprocessor(16, 18, MEAN, STD);

        float[] normalized = preprocessor.toNormalizedHwc(image);

        assertThat(normalized).hasSize(16 * 16 * 3);
        assertThat(normalized[0]).isEqualTo((1f - 0.5f) / 0.5f);
        assertThat(normalized[1]).isEqualTo((51 / 255f - 0.25f) / 0.25f);
        assertThat(normalized[2]).isEqualTo((0f - 0.125f) / 2f);
    }

    @Test
    void aSmallerCropShrinksTheImageInTheSameProportion() {
        CenterCropPreprocessor preprocessor = new CenterCropPreprocessor(32, 36, MEAN, STD);

        float[] pixels = preprocessor.toPixelsHwc(solid(100, 80, 10, 20, 30), 24);

        assertThat(pixels).hasSize(24 * 24 * 3);
        assertThat(pixels[0]).isEqualTo(10 / 255f);
    }

    @Test
    void largeReductionsAverageFineDetailInsteadOfAliasingIt() {
        // 1-pixel black/white checkerboard, reduced 16x: every output pixel should be mid grey
        BufferedImage checkerboard = new BufferedImage(512, 512, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 512; x++) {
            for (int y = 0; y < 512; y++) {
                checkerboard.setRGB(x, y, (x + y) % 2 == 0 ? 0xFFFFFF : 0);
            }
        }

        float[] pixels = new CenterCropPreprocessor(32, 32, MEAN, STD).toPixelsHwc(checkerboard);

        for (float value : pixels) {
            assertThat(value).isCloseTo(0.5f, within(0.05f));
        }
    }

    private static BufferedImage solid(int width, int height, int r, int g, int b) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) {
                image.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return image;
    }
}
