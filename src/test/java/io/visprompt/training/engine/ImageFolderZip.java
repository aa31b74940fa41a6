package io.visprompt.training.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** Test data: an ImageFolder zip ({@code train/ val/ test/} with one folder per class) unpacked into a directory. */
final class ImageFolderZip {

    private ImageFolderZip() {
    }

    /** Classes are the sorted folder names of {@code train/}, as torchvision's ImageFolder orders them. */
    static TrainingData unpack(Path zip, Path directory) {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path target = directory.resolve(entry.getName()).normalize();
                if (!target.startsWith(directory)) {
                    throw new IllegalArgumentException("zip entry escapes the directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return read(directory);
    }

    /** An ImageFolder directory ({@code train/ val/ test/}, one folder per class, classes sorted by name). */
    static TrainingData read(Path directory) {
        try {
            List<String> classes = sortedNames(directory.resolve("train"));
            return new TrainingData(classes, split(directory.resolve("train"), classes),
                    split(directory.resolve("val"), classes), split(directory.resolve("test"), classes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<TrainingExample> split(Path directory, List<String> classes) throws IOException {
        List<TrainingExample> examples = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            Path folder = directory.resolve(classes.get(label));
            if (Files.isDirectory(folder)) {
                for (String file : sortedNames(folder)) {
                    examples.add(new TrainingExample(folder.resolve(file), label));
                }
            }
        }
        return examples;
    }

    private static List<String> sortedNames(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

}
