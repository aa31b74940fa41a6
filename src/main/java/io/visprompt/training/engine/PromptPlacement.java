package io.visprompt.training.engine;

/** Where the prompt is added to the image. */
public enum PromptPlacement {
    /** Added to the normalized image, covering its border (Bahng et al.). */
    NORMALIZED,
    /** Added in [0,1] pixel space before normalization, to an image shrunk and zero-padded so the prompt frames it (EVP). */
    PIXEL_SHRINK
}
