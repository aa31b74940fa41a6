package io.visprompt.dataset.internal;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

import io.visprompt.dataset.Split;
import io.visprompt.dataset.ImageRejected;

/**
 * How an archive's paths map to classes and splits, decided once all paths are known:
 * <ul>
 * <li>single folders wrapping everything ({@code mnist/...}) are stripped while every image is at least three levels
 * deep and the folder is not a split name;</li>
 * <li>if an image then sits under {@code train/}, {@code val/} ({@code valid/}, {@code validation/}) or
 * {@code test/}, the archive has explicit splits: {@code split/class/.../image};</li>
 * <li>otherwise it is a plain ImageFolder: {@code class/.../image}.</li>
 * </ul>
 * A class is a folder at the class level, whether or not it holds a usable image (so empty classes can be reported).
 */
public final class ImageFolderLayout {

    /** Where an image belongs; {@code split} is null in a layout without explicit splits. */
    public record Placement(String className, Split split) {
    }

    public static final String OUTSIDE_CLASS_FOLDER = "outside_class_folder";
    public static final String OUTSIDE_SPLIT_FOLDER = "outside_split_folder";

    private static final Map<String, Split> SPLIT_FOLDERS = Map.of("train", Split.TRAIN, "val", Split.VAL,
            "valid", Split.VAL, "validation", Split.VAL, "test", Split.TEST);

    private final String prefix;
    private final boolean explicitSplits;
    private final SortedSet<String> classNames = new TreeSet<>();

    private ImageFolderLayout(String prefix, boolean explicitSplits) {
        this.prefix = prefix;
        this.explicitSplits = explicitSplits;
    }

    /**
     * @param images      paths of the usable images; they alone decide wrapper folders and explicit splits
     * @param otherFiles  paths of every other file (rejected images, non-images): they only reveal class folders
     * @param directories paths of directory entries: they too only reveal class folders
     */
    public static ImageFolderLayout of(Collection<String> images, Collection<String> otherFiles,
            Collection<String> directories) {
        String prefix = wrapperPrefix(images);
        boolean explicit = images.stream().map(p -> firstSegment(p.substring(prefix.length())))
                .anyMatch(s -> splitOf(s) != null);
        ImageFolderLayout layout = new ImageFolderLayout(prefix, explicit);
        int classDepth = explicit ? 1 : 0;
        for (String file : images) {
            layout.classFolder(file, classDepth + 2);
        }
        for (String file : otherFiles) {
            layout.classFolder(file, classDepth + 2);
        }
        for (String directory : directories) {
            layout.classFolder(directory, classDepth + 1);
        }
        return layout;
    }

    public boolean explicitSplits() {
        return explicitSplits;
    }

    /** Class folder names in label order (sorted, as torchvision's ImageFolder sorts them). */
    public List<String> classNames() {
        return List.copyOf(classNames);
    }

    /**
     * @throws ImageRejected {@link #OUTSIDE_CLASS_FOLDER} or {@link #OUTSIDE_SPLIT_FOLDER}
     */
    public Placement place(String imagePath) throws ImageRejected {
        String[] segments = relative(imagePath).map(p -> p.split("/")).orElse(new String[0]);
        if (explicitSplits) {
            Split split = segments.length == 0 ? null : splitOf(segments[0]);
            if (split == null) {
                throw new ImageRejected(OUTSIDE_SPLIT_FOLDER, "not inside a train/, val/ or test/ folder");
            }
            if (segments.length < 3) {
                throw new ImageRejected(OUTSIDE_CLASS_FOLDER, "not inside a class folder");
            }
            return new Placement(segments[1], split);
        }
        if (segments.length < 2) {
            throw new ImageRejected(OUTSIDE_CLASS_FOLDER, "not inside a class folder");
        }
        return new Placement(segments[0], null);
    }

    private void classFolder(String path, int minSegments) {
        Optional<String[]> segments = relative(path).map(p -> p.split("/"));
        if (segments.isEmpty() || segments.get().length < minSegments) {
            return;
        }
        String[] s = segments.get();
        if (!explicitSplits) {
            classNames.add(s[0]);
        } else if (splitOf(s[0]) != null) {
            classNames.add(s[1]);
        }
    }

    private Optional<String> relative(String path) {
        if (!path.startsWith(prefix) || path.length() == prefix.length()) {
            return Optional.empty();
        }
        return Optional.of(path.substring(prefix.length()));
    }

    private static String wrapperPrefix(Collection<String> images) {
        StringBuilder prefix = new StringBuilder();
        while (true) {
            String shared = null;
            for (String image : images) {
                String rest = image.substring(prefix.length());
                String first = firstSegment(rest);
                boolean deepEnough = rest.split("/").length >= 3;
                if (!deepEnough || splitOf(first) != null || (shared != null && !shared.equals(first))) {
                    return prefix.toString();
                }
                shared = first;
            }
            if (shared == null) {
                return prefix.toString();
            }
            prefix.append(shared).append('/');
        }
    }

    private static String firstSegment(String path) {
        int slash = path.indexOf('/');
        return slash < 0 ? path : path.substring(0, slash);
    }

    private static Split splitOf(String folder) {
        return SPLIT_FOLDERS.get(folder.toLowerCase(Locale.ROOT));
    }
}
