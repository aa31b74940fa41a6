package io.visprompt.model.internal;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;

import io.visprompt.model.ImagePreprocessor;

/**
 * torchvision's {@code Resize(resize)} (shorter side, bilinear), {@code CenterCrop(inputSize)}, {@code ToTensor()}
 * and {@code Normalize(mean, std)}, in Java2D. Output is channels last (HWC) because that is the layout the engine
 * feeds to oneDNN.
 */
public final class CenterCropPreprocessor implements ImagePreprocessor {

    private final int inputSize;
    private final int resize;
    private final float[] mean;
    private final float[] std;

    public CenterCropPreprocessor(int inputSize, int resize, float[] mean, float[] std) {
        if (inputSize <= 0 || resize < inputSize) {
            throw new IllegalArgumentException(
                    "resize (" + resize + ") must be at least the input size (" + inputSize + ") and positive");
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need one value per RGB channel");
        }
        this.inputSize = inputSize;
        this.resize = resize;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    @Override
    public int inputSize() {
        return inputSize;
    }

    @Override
    public float[] toPixelsHwc(BufferedImage image) {
        return toPixelsHwc(image, inputSize);
    }

    @Override
    public float[] toPixelsHwc(BufferedImage image, int size) {
        if (size <= 0 || size > inputSize) {
            throw new IllegalArgumentException("crop size " + size + " must be in 1.." + inputSize);
        }
        int shorterSide = size == inputSize ? resize : Math.max(size, Math.round(size * (float) resize / inputSize));
        BufferedImage resized = resizeShorterSide(toRgb(image), shorterSide);
        return centreCrop(resized, size);
    }

    @Override
    public float[] toNormalizedHwc(BufferedImage image) {
        float[] pixels = toPixelsHwc(image);
        for (int i = 0; i < pixels.length; i++) {
            int channel = i % 3;
            pixels[i] = (pixels[i] - mean[channel]) / std[channel];
        }
        return pixels;
    }

    /**
     * An 8-bit RGB copy. Grey images are read from the raster: {@code getRGB} would convert them from the linear grey
     * colour space and brighten them, unlike PIL's {@code convert("RGB")}. Alpha is dropped, as PIL does.
     */
    static BufferedImage toRgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            return image;
        }
        int width = image.getWidth();
        int height = image.getHeight();
        BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        if (image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            Raster raster = image.getRaster();
            int max = (1 << image.getColorModel().getComponentSize(0)) - 1;
            int[] row = new int[width];
            int[] packed = new int[width];
            for (int y = 0; y < height; y++) {
                raster.getSamples(0, y, width, 1, 0, row);
                for (int x = 0; x < width; x++) {
                    int grey = max == 255 ? row[x] : Math.round(row[x] * 255f / max);
                    packed[x] = grey << 16 | grey << 8 | grey;
                }
                rgb.setRGB(0, y, width, 1, packed, 0, width);
            }
        } else {
            int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
            rgb.setRGB(0, 0, width, height, argb, 0, width);
        }
        return rgb;
    }

    /**
     * Shorter side to {@code shorterSide}, the other side truncated as torchvision does. Java2D's bilinear filter does
     * not widen for large reductions, so big images are first halved repeatedly to avoid aliasing.
     */
    static BufferedImage resizeShorterSide(BufferedImage image, int shorterSide) {
        int width = image.getWidth();
        int height = image.getHeight();
        int targetWidth;
        int targetHeight;
        if (width <= height) {
            targetWidth = shorterSide;
            targetHeight = (int) ((long) shorterSide * height / width);
        } else {
            targetHeight = shorterSide;
            targetWidth = (int) ((long) shorterSide * width / height);
        }
        BufferedImage current = image;
        while (current.getWidth() / 2 >= targetWidth && current.getHeight() / 2 >= targetHeight) {
            current = drawScaled(current, current.getWidth() / 2, current.getHeight() / 2);
        }
        if (current.getWidth() == targetWidth && current.getHeight() == targetHeight) {
            return current;
        }
        return drawScaled(current, targetWidth, targetHeight);
    }

    private static BufferedImage drawScaled(BufferedImage image, int width, int height) {
        BufferedImage scaled = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = scaled.createGraphics();
        try {
            graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            graphics.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            graphics.drawImage(image, 0, 0, width, height, null);
        } finally {
            graphics.dispose();
        }
        return scaled;
    }

    /** Centre crop with torchvision's offsets (Python's round, i.e. half to even), as [0,1] floats, HWC. */
    private static float[] centreCrop(BufferedImage image, int size) {
        int top = (int) Math.rint((image.getHeight() - size) / 2.0);
        int left = (int) Math.rint((image.getWidth() - size) / 2.0);
        int[] argb = image.getRGB(left, top, size, size, null, 0, size);
        float[] pixels = new float[size * size * 3];
        for (int i = 0; i < argb.length; i++) {
            int value = argb[i];
            pixels[3 * i] = ((value >> 16) & 0xFF) / 255f;
            pixels[3 * i + 1] = ((value >> 8) & 0xFF) / 255f;
            pixels[3 * i + 2] = (value & 0xFF) / 255f;
        }
        return pixels;
    }
}
