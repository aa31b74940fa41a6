package io.visprompt.model;

import java.awt.image.BufferedImage;

/**
 * Turns an image into the model's normalized input. One implementation serves training and classification,
 * so both see identical tensors.
 */
public interface ImagePreprocessor {

    int inputSize();

    /** Resize (shorter side), centre crop and convert to RGB floats in [0,1], channels last: {@code [H*W*3]}. */
    float[] toPixelsHwc(BufferedImage image);

    /**
     * As {@link #toPixelsHwc(BufferedImage)} but cropped to {@code size} instead of {@link #inputSize()}, with the
     * shorter side resized in the same proportion ({@code resize * size / inputSize}). Used to shrink images that a
     * pixel-space prompt frames.
     */
    float[] toPixelsHwc(BufferedImage image, int size);

    /** {@link #toPixelsHwc} followed by the model's mean/std normalization. */
    float[] toNormalizedHwc(BufferedImage image);

    /** The resize-and-centre-crop preprocessing of catalog models, for a model described elsewhere (a remote one). */
    static ImagePreprocessor centerCrop(int inputSize, int resize, float[] mean, float[] std) {
        return new io.visprompt.model.internal.CenterCropPreprocessor(inputSize, resize, mean, std);
    }
}
