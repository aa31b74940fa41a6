package io.visprompt.training.engine;

/** Where the learnable pixels of a visual prompt sit (Bahng et al., section 3). */
public enum PromptTemplate {
    /** Four strips of width p around the image border: 2Cp(H+W-2p) parameters. */
    PADDING,
    /** A p x p square at the top-left corner: Cp^2 parameters. */
    FIXED_PATCH,
    /** A p x p square at a location redrawn on every training forward pass: Cp^2 parameters. */
    RANDOM_PATCH;

    /** The name in the API and in stored settings, such as {@code fixed_patch}. */
    public String wireName() {
        return WireNames.of(this);
    }

    /** The constant with this API name (any case), whatever the default locale. */
    public static PromptTemplate fromWire(String name) {
        return WireNames.parse(PromptTemplate.class, name);
    }
}
