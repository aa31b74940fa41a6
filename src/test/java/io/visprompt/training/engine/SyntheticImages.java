package io.visprompt.training.engine;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import javax.imageio.ImageIO;

/** Small PNG images written to disk for engine tests: class c is a noisy square whose brightness depends on c. */
final class SyntheticImages {

    private SyntheticImages() {
    }

    static List<TrainingExample> write(Path directory, String split, int classes, int perClass, int size, long seed) {
        Random random = new Random(seed);
        List<TrainingExample> examples = new ArrayList<>();
        try {
            Files.createDirectories(directory.resolve(split));
            for (int c = 0; c < classes; c++) {
                for (int i = 0; i < perClass; i++) {
                    BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                    Graphics2D graphics = image.createGraphics();
                    int level = 40 + 200 * c / Math.max(1, classes - 1);
                    graphics.setColor(new Color(random.nextInt(60), random.nextInt(60), random.nextInt(60)));
                    graphics.fillRect(0, 0, size, size);
                    graphics.setColor(new Color(level, 255 - level, (level * 7) % 256));
                    int square = size / 2;
                    graphics.fillRect(random.nextInt(size - square), random.nextInt(size - square), square, square);
                    graphics.dispose();
                    Path file = directory.resolve(split).resolve("c" + c + "_" + i + ".png");
                    ImageIO.write(image, "png", file.toFile());
                    examples.add(new TrainingExample(file, c));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return examples;
    }
}
