package io.visprompt.training.engine;

/** Where the prompt is added to the image. */
public enum PromptPlacement {
    /** Added to the normalized image, covering its border (Bahng et al.). */
    NORMALIZED,
    /** Added in [0,1] pixel space before normalization, to an image shrunk and zero-padded so the prompt frames it (EVP). */
    PIXEL_SHRINK;

    /** The name in the API and in stored settings, such as {@code pixel_shrink}. */
    public String wireName() {
        return WireNames.of(this);
    }

    /** The constant with this API name (any case), whatever the default locale. */
    public static PromptPlacement fromWire(String name) {
        return WireNames.parse(PromptPlacement.class, name);
    }
}
