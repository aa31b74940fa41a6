package io.visprompt.training.engine;

/** How a classifier's source classes become the task's target classes. */
public enum LabelMapping {
    /** Target class i is source class i (Bahng et al.). */
    IDENTITY,
    /** Once, before training: greedy one-to-one assignment from (source argmax, target label) counts of the unprompted model. */
    FREQUENCY,
    /** The frequency assignment recomputed before every epoch with the current prompt (ILM-VP). */
    ITERATIVE,
    /**
     * Target class i is the model's source class of the same name, ignoring case, spaces and punctuation (a folder
     * {@code t-shirt_top} matches the label {@code t-shirt/top}): for tasks whose classes the model already knows.
     */
    BY_NAME;

    /** The name in the API and in stored settings, such as {@code iterative}. */
    public String wireName() {
        return WireNames.of(this);
    }

    /** The constant with this API name (any case), whatever the default locale. */
    public static LabelMapping fromWire(String name) {
        return WireNames.parse(LabelMapping.class, name);
    }
}
