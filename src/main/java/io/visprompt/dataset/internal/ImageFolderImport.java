package io.visprompt.dataset.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import io.visprompt.dataset.Split;
import io.visprompt.dataset.internal.ArchiveReader.ArchiveFile;
import io.visprompt.dataset.internal.ArchiveReader.ArchiveStats;
import io.visprompt.dataset.internal.ArchiveReader.ArchiveVisitor;
import io.visprompt.dataset.internal.ImageFolderLayout.Placement;
import io.visprompt.dataset.internal.ImageNormalizer.NormalizedImage;
import io.visprompt.dataset.internal.UploadRejected.Reason;
import io.visprompt.dataset.ImageRejected;

/**
 * Reads an ImageFolder archive into a directory of RGB PNG files laid out as {@code split/label/position.png},
 * reporting every file it did not import. Plain Java: the caller owns the directory, the database and the
 * decision to publish.
 */
public final class ImageFolderImport {

    public static final String DUPLICATE_ENTRY = "duplicate_entry";
    public static final String UNSUPPORTED_FILE_TYPE = "unsupported_file_type";
    public static final String FILE_TOO_LARGE = "file_too_large";

    private static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png");

    public record RejectedFile(String path, String reason) {
    }

    /** One stored image; {@code filePath} is relative to the import directory. */
    public record ImportedImage(Split split, int position, int label, String filePath, int width, int height,
            long bytes, String sourcePath) {
    }

    /**
     * @param valFraction  the fraction moved to val by the seeded split; null when the archive's folders decided
     * @param testFraction likewise for test
     * @param seed         the seed used, null when nothing was divided at random
     */
    public record ImportedDataset(List<String> classNames, List<ImportedImage> images, List<RejectedFile> rejectedFiles,
            boolean explicitSplits, Double valFraction, Double testFraction, Long seed, long totalBytes,
            ArchiveStats archive) {
    }

    private final ArchiveLimits limits;
    private final ImageNormalizer normalizer;

    public ImageFolderImport(ArchiveLimits limits, long maxImagePixels) {
        this.limits = limits;
        this.normalizer = new ImageNormalizer(maxImagePixels);
    }

    /**
     * @param directory an empty directory that receives the images; on failure the caller deletes it
     * @param split     how classes are divided when the archive has no split folders (and val carved from train
     *                  when it has train/ but no val/)
     * @throws UploadRejected when the upload as a whole is refused
     */
    public ImportedDataset run(InputStream upload, Path directory, SeededSplit split) {
        Path staging = createDirectories(directory.resolve("staged"));
        Entries entries = new Entries(staging);
        ArchiveStats stats = new ArchiveReader(limits).read(upload, entries);
        if (entries.staged.isEmpty()) {
            throw entries.refuse(Reason.NO_USABLE_IMAGES, "The archive contains no usable JPEG or PNG image");
        }

        ImageFolderLayout layout = ImageFolderLayout.of(entries.staged.stream().map(Staged::path).toList(),
                entries.otherFiles, entries.directories);
        Map<String, List<Placed>> byClass = new TreeMap<>();
        for (Staged image : entries.staged) {
            try {
                Placement placement = layout.place(image.path());
                byClass.computeIfAbsent(placement.className(), c -> new ArrayList<>())
                        .add(new Placed(image, placement.className(), placement.split()));
            } catch (ImageRejected e) {
                entries.reject(image.entry(), image.path(), e.reason());
                delete(image.file());
            }
        }
        if (byClass.isEmpty()) {
            throw entries.refuse(Reason.NO_USABLE_IMAGES, "No usable image is inside a class folder");
        }
        List<String> classNames = layout.classNames();
        List<String> empty = classNames.stream().filter(c -> !byClass.containsKey(c)).toList();
        if (!empty.isEmpty()) {
            throw entries.refuse(Reason.EMPTY_CLASS, "Class folders without a usable image: " + String.join(", ", empty))
                    .with("classes", empty);
        }
        if (classNames.size() < 2) {
            throw entries.refuse(Reason.TOO_FEW_CLASSES,
                    "A dataset needs at least 2 class folders; found " + classNames.size() + ": " + classNames)
                    .with("classes", classNames);
        }

        // Sorted by path, so the division depends on the images, not on the order the archiver wrote them in.
        byClass.values().forEach(images -> images.sort(Comparator.comparing(p -> p.image().path())));
        Division division = layout.explicitSplits() ? byFolders(byClass, split, entries) : bySeed(byClass, split);
        List<ImportedImage> images = store(division, classNames, directory);
        delete(staging);
        return new ImportedDataset(classNames, List.copyOf(images), entries.rejectedFiles(), layout.explicitSplits(),
                division.valFraction(), division.testFraction(), division.seed(),
                images.stream().mapToLong(ImportedImage::bytes).sum(), stats);
    }

    /** Moves staged files to {@code split/label/position.png}, positions following label, then archive path. */
    private static List<ImportedImage> store(Division division, List<String> classNames, Path directory) {
        Map<String, Integer> labels = new LinkedHashMap<>();
        classNames.forEach(c -> labels.put(c, labels.size()));
        List<ImportedImage> images = new ArrayList<>();
        for (Split split : Split.values()) {
            List<Placed> placed = new ArrayList<>(division.bySplit().get(split));
            placed.sort(Comparator.comparing((Placed p) -> labels.get(p.className())).thenComparing(p -> p.image().path()));
            for (int position = 0; position < placed.size(); position++) {
                Placed p = placed.get(position);
                int label = labels.get(p.className());
                String filePath = split.wireName() + "/" + label + "/" + String.format(Locale.ROOT, "%06d.png", position);
                move(p.image().file(), directory.resolve(filePath));
                NormalizedImage n = p.image().normalized();
                images.add(new ImportedImage(split, position, label, filePath, n.width(), n.height(), n.bytes(),
                        p.image().path()));
            }
        }
        return images;
    }

    /** Each class divided at random by the seeded fractions. */
    private static Division bySeed(Map<String, List<Placed>> byClass, SeededSplit split) {
        Division division = new Division(split.valFraction(), split.testFraction(), split.seed());
        byClass.forEach((className, images) -> split.divide(className, images).forEach(division::add));
        return division;
    }

    /** The archive's split folders decide; without a val/ folder, val is carved out of train/ by the seed. */
    private static Division byFolders(Map<String, List<Placed>> byClass, SeededSplit split, Entries entries) {
        List<Placed> all = byClass.values().stream().flatMap(List::stream).toList();
        if (all.stream().noneMatch(p -> p.split() == Split.TRAIN)) {
            throw entries.refuse(Reason.MISSING_TRAIN_SPLIT, "The archive has split folders but no usable image in train/");
        }
        List<String> untrained = byClass.entrySet().stream()
                .filter(e -> e.getValue().stream().noneMatch(p -> p.split() == Split.TRAIN))
                .map(Map.Entry::getKey).toList();
        if (!untrained.isEmpty()) {
            throw entries.refuse(Reason.EMPTY_CLASS, "Classes without a usable image in train/: " + String.join(", ", untrained))
                    .with("classes", untrained);
        }
        boolean carveVal = split.valFraction() > 0 && all.stream().noneMatch(p -> p.split() == Split.VAL);
        Division division = carveVal ? new Division(split.valFraction(), null, split.seed()) : new Division(null, null, null);
        SeededSplit valFromTrain = new SeededSplit(split.valFraction(), 0, split.seed());
        byClass.forEach((className, images) -> {
            List<Placed> train = images.stream().filter(p -> p.split() == Split.TRAIN).toList();
            images.stream().filter(p -> p.split() != Split.TRAIN).forEach(p -> division.add(p.split(), List.of(p)));
            if (carveVal) {
                valFromTrain.divide(className, train).forEach(division::add);
            } else {
                division.add(Split.TRAIN, train);
            }
        });
        return division;
    }

    /** Images per split, and the random division settings that produced it (null where folders decided). */
    private record Division(Map<Split, List<Placed>> bySplit, Double valFraction, Double testFraction, Long seed) {

        Division(Double valFraction, Double testFraction, Long seed) {
            this(new EnumMap<>(Split.class), valFraction, testFraction, seed);
            for (Split s : Split.values()) {
                bySplit.put(s, new ArrayList<>());
            }
        }

        void add(Split split, List<Placed> images) {
            bySplit.get(split).addAll(images);
        }
    }

    static boolean isImageName(String path) {
        int dot = path.lastIndexOf('.');
        return dot > path.lastIndexOf('/') && IMAGE_EXTENSIONS.contains(path.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private record Staged(int entry, String path, Path file, NormalizedImage normalized) {
    }

    /** A staged image in its class; {@code split} is the split folder it came from, null without split folders. */
    private record Placed(Staged image, String className, Split split) {
    }

    /** Collects the archive's entries: images validated into the staging folder, everything else noted. */
    private final class Entries implements ArchiveVisitor {

        private final Path staging;
        private final List<String> directories = new ArrayList<>();
        private final List<String> otherFiles = new ArrayList<>();
        private final List<Staged> staged = new ArrayList<>();
        private final Map<Integer, RejectedFile> rejected = new TreeMap<>();
        private final Set<String> seen = new HashSet<>();
        private int entry;

        Entries(Path staging) {
            this.staging = staging;
        }

        @Override
        public void directory(String path) {
            entry++;
            if (!ArchivePaths.isIgnored(path)) {
                directories.add(path);
            }
        }

        @Override
        public void file(ArchiveFile file) {
            int index = ++entry;
            String path = file.path();
            if (ArchivePaths.isIgnored(path)) {
                return;
            }
            if (!seen.add(path)) {
                reject(index, path, DUPLICATE_ENTRY);
                return;
            }
            if (!isImageName(path)) {
                otherFiles.add(path);
                reject(index, path, UNSUPPORTED_FILE_TYPE);
                return;
            }
            Optional<byte[]> content = file.content();
            if (content.isEmpty()) {
                otherFiles.add(path);
                reject(index, path, FILE_TOO_LARGE);
                return;
            }
            Path target = staging.resolve(staged.size() + ".png");
            try {
                staged.add(new Staged(index, path, target, normalizer.normalize(content.get(), target)));
            } catch (ImageRejected e) {
                otherFiles.add(path);
                reject(index, path, e.reason());
            }
        }

        void reject(int index, String path, String reason) {
            rejected.put(index, new RejectedFile(path, reason));
        }

        List<RejectedFile> rejectedFiles() {
            return List.copyOf(rejected.values());
        }

        UploadRejected refuse(Reason reason, String detail) {
            return new UploadRejected(reason, detail).with("rejected_files", rejectedFiles());
        }
    }

    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            Files.move(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
