package io.visprompt.dataset.internal;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import io.visprompt.dataset.ImageRejected;
import io.visprompt.dataset.RgbImages;

/**
 * Turns an uploaded JPEG or PNG into an 8-bit RGB PNG file, decoded by {@link RgbImages} as classification does.
 */
public final class ImageNormalizer {

    /** An image as stored: its size in pixels and the bytes of the PNG written. */
    public record NormalizedImage(int width, int height, long bytes) {
    }

    private final long maxPixels;

    public ImageNormalizer(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    /**
     * Decodes {@code content} and writes it to {@code target} as RGB PNG.
     *
     * @throws ImageRejected when the content is not a decodable JPEG/PNG within the pixel limit
     * @throws UncheckedIOException when the PNG cannot be written (a server-side failure)
     */
    public NormalizedImage normalize(byte[] content, Path target) throws ImageRejected {
        BufferedImage rgb = RgbImages.decode(content, maxPixels);
        try {
            if (!ImageIO.write(rgb, "png", target.toFile())) {
                throw new IllegalStateException("no PNG writer available");
            }
            return new NormalizedImage(rgb.getWidth(), rgb.getHeight(), Files.size(target));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + target, e);
        }
    }
}
