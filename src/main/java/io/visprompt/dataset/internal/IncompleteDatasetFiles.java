package io.visprompt.dataset.internal;

import java.util.List;
import java.util.UUID;

/** A dataset about to be published lacks files it lists (or has them at the wrong size): it must not be stored. */
public final class IncompleteDatasetFiles extends RuntimeException {

    private final int listed;
    private final List<String> missing;

    public IncompleteDatasetFiles(UUID id, int listed, List<String> missing) {
        super(missing.size() + " of the " + listed + " files of dataset " + id + " are missing or incomplete, "
                + "for example " + missing.get(0));
        this.listed = listed;
        this.missing = List.copyOf(missing);
    }

    public int listed() {
        return listed;
    }

    public List<String> missing() {
        return missing;
    }
}
