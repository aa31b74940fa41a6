package io.visprompt;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import javax.imageio.ImageIO;

/** Archives for HTTP tests: small generated ImageFolder zips and the committed fixture datasets. */
public final class TestArchives {

    private TestArchives() {
    }

    /** {@code classes} classes of {@code perClass} random 28x28 grey PNGs, in {@code train/ val/ test/} folders. */
    public static byte[] randomImageFolder(int classes, int perClass, long seed) {
        return randomImageFolder(classes, perClass, seed, "train", "val", "test");
    }

    /**
     * The same in the given split folders only (for example {@code train} and {@code test}, without {@code val/});
     * an empty folder name puts the class folders at the top.
     */
    public static byte[] randomImageFolder(int classes, int perClass, long seed, String... splits) {
        Random random = new Random(seed);
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String split : splits) {
                for (int c = 0; c < classes; c++) {
                    for (int i = 0; i < perClass; i++) {
                        zip.putNextEntry(new ZipEntry((split.isEmpty() ? "" : split + "/") + "class" + c + "/img" + i
                                + ".png"));
                        zip.write(png(random));
                        zip.closeEntry();
                    }
                }
            }
            zip.finish();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A committed fixture dataset from {@code src/test/resources/fixtures/data}. */
    public static byte[] fixture(String name) {
        try {
            return Files.readAllBytes(Path.of("src/test/resources/fixtures/data", name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] png(Random random) throws IOException {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int v = random.nextInt(256);
                image.getRaster().setSample(x, y, 0, v);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
