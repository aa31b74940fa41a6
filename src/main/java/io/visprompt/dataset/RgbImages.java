package io.visprompt.dataset;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * The one way images enter the service, at upload and at classification alike: JPEG or PNG, pixel count checked
 * from the header before any pixel is decoded (a small file declaring a huge image costs nothing), then 8-bit RGB.
 */
public final class RgbImages {

    public static final String UNDECODABLE = "undecodable_image";
    public static final String UNSUPPORTED_FORMAT = "unsupported_image_format";
    public static final String TOO_LARGE = "image_too_large";

    private static final Set<String> ACCEPTED_FORMATS = Set.of("png", "jpeg");

    private RgbImages() {
    }

    /**
     * Decodes {@code content} to RGB.
     *
     * @throws ImageRejected when the content is not a decodable JPEG/PNG within the pixel limit
     */
    public static BufferedImage decode(byte[] content, long maxPixels) throws ImageRejected {
        // An in-memory stream: ImageIO.createImageInputStream may cache to temporary files.
        try (ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(content))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
            if (!readers.hasNext()) {
                throw new ImageRejected(UNDECODABLE, "not a recognised image format");
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!ACCEPTED_FORMATS.contains(format)) {
                    throw new ImageRejected(UNSUPPORTED_FORMAT, "a " + format + " image; only JPEG and PNG are accepted");
                }
                reader.setInput(input, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > maxPixels) {
                    throw new ImageRejected(TOO_LARGE, reader.getWidth(0) + "x" + reader.getHeight(0)
                            + " is more than " + maxPixels + " pixels");
                }
                // The JPEG decoder fills a cut-off file with grey and only warns; the file is incomplete, refuse it.
                List<String> truncation = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> {
                    String w = warning.toLowerCase(Locale.ROOT);
                    if (w.contains("premature end") || w.contains("truncated")) {
                        truncation.add(warning);
                    }
                });
                BufferedImage image = reader.read(0);
                if (!truncation.isEmpty()) {
                    throw new ImageRejected(UNDECODABLE, "the image data is truncated (" + truncation.get(0) + ")");
                }
                return toRgb(image);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new ImageRejected(UNDECODABLE, e.getMessage());
        } catch (RuntimeException e) {
            // The JDK decoders answer some malformed files with runtime exceptions (index out of bounds, ...);
            // the file is the problem, not the server.
            throw new ImageRejected(UNDECODABLE, e.toString());
        }
    }

    /**
     * Gray values are copied to all three channels and alpha is dropped (as PIL's {@code convert("RGB")} does), so
     * stored pixels match what a PyTorch ImageFolder pipeline would see. Java's own gray-to-sRGB conversion would
     * brighten them.
     */
    public static BufferedImage toRgb(BufferedImage source) {
        int width = source.getWidth();
        int height = source.getHeight();
        BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        ColorModel model = source.getColorModel();
        boolean gray = !(model instanceof IndexColorModel) && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        int[] row = new int[width];
        if (gray) {
            Raster raster = source.getRaster();
            int bits = model.getComponentSize(0);
            for (int y = 0; y < height; y++) {
                raster.getSamples(0, y, width, 1, 0, row);
                for (int x = 0; x < width; x++) {
                    int v = bits == 8 ? row[x] : bits > 8 ? row[x] >>> (bits - 8) : row[x] * 255 / ((1 << bits) - 1);
                    row[x] = (v << 16) | (v << 8) | v;
                }
                rgb.setRGB(0, y, width, 1, row, 0, width);
            }
        } else {
            for (int y = 0; y < height; y++) {
                source.getRGB(0, y, width, 1, row, 0, width);
                for (int x = 0; x < width; x++) {
                    row[x] &= 0xFFFFFF;
                }
                rgb.setRGB(0, y, width, 1, row, 0, width);
            }
        }
        return rgb;
    }
}
