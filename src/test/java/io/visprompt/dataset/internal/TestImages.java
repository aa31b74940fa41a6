package io.visprompt.dataset.internal;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

import javax.imageio.ImageIO;

/** Small encoded images for upload tests. */
public final class TestImages {

    private TestImages() {
    }

    public static byte[] png(int width, int height, int rgb) {
        return encode(filled(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), rgb), "png");
    }

    public static byte[] jpeg(int width, int height, int rgb) {
        return encode(filled(new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR), rgb), "jpeg");
    }

    public static byte[] grayPng(int width, int height, int gray) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, gray);
            }
        }
        return encode(image, "png");
    }

    public static byte[] argbPng(int width, int height, int argb) {
        return encode(filled(new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB), argb), "png");
    }

    /** A two-colour palette image whose pixels all use palette entry 1. */
    public static byte[] palettePng(int width, int height, int rgb) {
        IndexColorModel palette = new IndexColorModel(1, 2, new byte[] {0, (byte) (rgb >> 16)},
                new byte[] {0, (byte) (rgb >> 8)}, new byte[] {0, (byte) rgb});
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_BINARY, palette);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, 1);
            }
        }
        return encode(image, "png");
    }

    public static byte[] gif(int width, int height, int rgb) {
        return encode(filled(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), rgb), "gif");
    }

    /**
     * A valid 1x1 PNG whose header claims {@code width x height}: decoding it would allocate for the claimed size,
     * so only a header check keeps it cheap.
     */
    public static byte[] pngClaiming(int width, int height) {
        byte[] png = png(1, 1, 0x808080);
        ByteBuffer buffer = ByteBuffer.wrap(png);
        // signature (8) + IHDR length (4) + "IHDR" (4), then width and height; the CRC follows the 13 data bytes
        buffer.putInt(16, width);
        buffer.putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        buffer.putInt(29, (int) crc.getValue());
        return png;
    }

    public static BufferedImage decode(byte[] bytes) {
        try {
            return ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BufferedImage filled(BufferedImage image, int argb) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, argb);
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
