package io.visprompt.training.engine;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;

import javax.imageio.ImageIO;

/**
 * The examples of one split, decoded and preprocessed once per run, channels last. Pixels come from 8-bit images
 * (Java2D resamples into 8-bit RGB), so they are kept as one byte each: exactly {@code k / 255f} again when read,
 * and a quarter of the memory of a float cache (a 224 px image is 150 kB instead of 600 kB).
 */
final class ImageCache {

    private final byte[][] pixels;
    private final int[] labels;
    private final int valuesPerImage;

    private ImageCache(byte[][] pixels, int[] labels, int valuesPerImage) {
        this.pixels = pixels;
        this.labels = labels;
        this.valuesPerImage = valuesPerImage;
    }

    /**
     * @param prepare image to [0,1] pixels, channels last ({@link PromptedClassifier#prepare})
     */
    static ImageCache decode(List<TrainingExample> examples, Function<BufferedImage, float[]> prepare,
            int valuesPerImage) {
        byte[][] pixels = new byte[examples.size()][];
        int[] labels = new int[examples.size()];
        // Decoding is independent per image; results land at their own index, so the order stays deterministic.
        IntStream.range(0, examples.size()).parallel().forEach(i -> {
            TrainingExample example = examples.get(i);
            float[] prepared = prepare.apply(read(example));
            if (prepared.length != valuesPerImage) {
                throw new IllegalStateException("preprocessing gave " + prepared.length + " values, expected "
                        + valuesPerImage);
            }
            pixels[i] = toBytes(prepared);
            labels[i] = example.label();
        });
        return new ImageCache(pixels, labels, valuesPerImage);
    }

    static ImageCache of(List<float[]> images, int[] labels, int valuesPerImage) {
        byte[][] pixels = new byte[images.size()][];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = toBytes(images.get(i));
        }
        return new ImageCache(pixels, labels.clone(), valuesPerImage);
    }

    private static BufferedImage read(TrainingExample example) {
        try {
            BufferedImage image = ImageIO.read(example.file().toFile());
            if (image == null) {
                throw new IllegalArgumentException("Not a readable image: " + example.file());
            }
            return image;
        } catch (IOException e) {
            if (!Files.exists(example.file())) {
                // ImageIO only says "Can't read input file!": a listed image that is gone is the job's data, which
                // fails the job, not a passing storage error that would requeue it again and again
                throw new UncheckedIOException("Cannot read image " + example.file(),
                        new NoSuchFileException(example.file().toString()));
            }
            throw new UncheckedIOException("Cannot read image " + example.file(), e);
        }
    }

    private static byte[] toBytes(float[] prepared) {
        byte[] bytes = new byte[prepared.length];
        for (int i = 0; i < prepared.length; i++) {
            bytes[i] = (byte) Math.round(prepared[i] * 255f);
        }
        return bytes;
    }

    int size() {
        return labels.length;
    }

    int label(int index) {
        return labels[index];
    }

    int valuesPerImage() {
        return valuesPerImage;
    }

    /** Appends image {@code index} as [0,1] floats to {@code target}. */
    void copyTo(int index, FloatBuffer target) {
        byte[] image = pixels[index];
        for (byte value : image) {
            target.put((value & 0xFF) / 255f);
        }
    }
}
