package io.visprompt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** Images for HTTP tests: the test split of a fixture archive, and hostile images. */
public final class TestImages {

    private TestImages() {
    }

    /** The {@code test/} images of an ImageFolder zip, by entry path ({@code test/<class>/<file>}). */
    public static Map<String, byte[]> testSplit(byte[] zip) {
        Map<String, byte[]> images = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (!e.isDirectory() && e.getName().startsWith("test/") && e.getName().endsWith(".png")) {
                    images.put(e.getName(), in.readAllBytes());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return images;
    }

    /** The class folder of an ImageFolder entry path. */
    public static String classOf(String entry) {
        String[] parts = entry.split("/");
        return parts[parts.length - 2];
    }

    /** A valid 1x1 PNG whose header then claims {@code width x height}: cheap to send, ruinous to decode. */
    public static byte[] pngClaiming(int width, int height) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB), "png", out);
            byte[] png = out.toByteArray();
            // IHDR data starts at byte 16: width, height (big-endian), then its CRC over type + data at 29.
            ByteBuffer.wrap(png, 16, 8).putInt(width).putInt(height);
            CRC32 crc = new CRC32();
            crc.update(png, 12, 17);
            ByteBuffer.wrap(png, 29, 4).putInt((int) crc.getValue());
            return png;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
