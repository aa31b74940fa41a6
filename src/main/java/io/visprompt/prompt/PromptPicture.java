package io.visprompt.prompt;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import javax.imageio.ImageIO;

/**
 * Renders a prompt for people: value v becomes {@code round(127.5 + 127.5 * v / scale)} per channel, with
 * {@code scale = max |v|} over the prompt's pixels, and fully transparent pixels where the mask is 0. The scale is
 * returned (header {@code X-Prompt-Scale}) so {@code v ~= (p - 127.5) / 127.5 * scale} recovers the values to
 * within half a grey level.
 */
final class PromptPicture {

    private PromptPicture() {
    }

    record Rendered(byte[] png, float scale) {
    }

    static Rendered render(LearnedPrompt prompt) {
        int h = prompt.height();
        int w = prompt.width();
        float[] v = prompt.values();
        float[] mask = prompt.mask();
        float scale = 0;
        for (int i = 0; i < v.length; i++) {
            if (mask[i] != 0) {
                scale = Math.max(scale, Math.abs(v[i]));
            }
        }
        float divisor = scale == 0 ? 1 : scale;
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                boolean learnable = mask[i] != 0 || mask[plane + i] != 0 || mask[2 * plane + i] != 0;
                int r = level(v[i], divisor);
                int g = level(v[plane + i], divisor);
                int b = level(v[2 * plane + i], divisor);
                image.setRGB(x, y, (learnable ? 0xff000000 : 0) | r << 16 | g << 8 | b);
            }
        }
        return new Rendered(png(image), scale);
    }

    static byte[] png(BufferedImage image) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int level(float value, float scale) {
        return Math.max(0, Math.min(255, Math.round(127.5f + 127.5f * value / scale)));
    }
}
