package io.visprompt.dataset.internal;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.plugins.jpeg.JPEGQTable;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import org.w3c.dom.NodeList;

/**
 * The corruptions of ImageNet-C (Hendrycks and Dietterich, 2019) that make a shifted copy of a dataset, at
 * severities 1 to 5, with the constants of ImageNet-C ({@link Table#IMAGENET_C}) or of CIFAR-10-C for small images
 * ({@link Table#CIFAR10_C}). Plain Java. Each is defined as in the paper's code: pixels scaled to [0, 1], corrupted,
 * clipped and truncated back to 8 bits ({@code np.uint8(x * 255)}). Random corruptions draw from a SplitMix64
 * stream seeded per image, with Box-Muller normals and numpy's Poisson samplers, so that
 * {@code src/fixtures/make_evaluation_fixtures.py} reproduces them exactly; the Gaussian blur is scipy's
 * ({@code mode='nearest', truncate=4}), the defocus blur ImageNet-C's anti-aliased disk kernel (OpenCV's
 * {@code GaussianBlur} and {@code filter2D}, border {@code REFLECT_101}, which the reference does with scipy's
 * {@code correlate(mode='mirror')}) and the pixelation PIL's BOX resampling down and back up.
 */
public enum Corruption {
    GAUSSIAN_NOISE, SHOT_NOISE, GAUSSIAN_BLUR, BRIGHTNESS, CONTRAST, JPEG, PIXELATE, DEFOCUS_BLUR;

    /** Which paper's severity constants. */
    public enum Table {
        IMAGENET_C, CIFAR10_C;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final double[][][] CONSTANTS = {
            // IMAGENET_C
            {{.08, .12, .18, .26, .38}, {60, 25, 12, 5, 3}, {1, 2, 3, 4, 6}, {.1, .2, .3, .4, .5},
                    {.4, .3, .2, .1, .05}, {25, 18, 15, 10, 7}, {.6, .5, .4, .3, .25}, {3, 4, 6, 8, 10}},
            // CIFAR10_C
            {{.04, .06, .08, .09, .10}, {500, 250, 100, 75, 50}, {.4, .6, .7, .8, 1}, {.05, .1, .15, .2, .3},
                    {.75, .5, .4, .3, .15}, {80, 65, 58, 50, 40}, {.95, .9, .85, .75, .65},
                    {.3, .4, .5, 1, 1.5}}};

    /**
     * Defocus blur's second constant, the {@code alias_blur} sigma that smooths the disk's edge (its first, the disk
     * radius, is in {@link #CONSTANTS}): {@code make_imagenet_c.py} and {@code make_cifar_c.py}.
     */
    private static final double[][] DEFOCUS_ALIAS_BLUR = {{.1, .5, .5, .5, .5}, {.4, .5, .6, .2, .1}};

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException for a name that is none of these */
    public static Corruption fromWire(String name) {
        for (Corruption c : values()) {
            if (c.wireName().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not a corruption");
    }

    public double constant(Table table, int severity) {
        if (severity < 1 || severity > 5) {
            throw new IllegalArgumentException("severity must be 1 to 5");
        }
        return CONSTANTS[table.ordinal()][ordinal()][severity - 1];
    }

    /** The corrupted copy of an 8-bit RGB image; the same image, severity and seed give the same pixels. */
    public BufferedImage apply(BufferedImage image, Table table, int severity, long seed) {
        double c = constant(table, severity);
        int w = image.getWidth();
        int h = image.getHeight();
        if (this == JPEG) {
            return jpeg(image, (int) c);
        }
        int[] rgb = rgb(image);
        if (this == PIXELATE) {
            int smallW = Math.max(1, (int) (w * c));
            int smallH = Math.max(1, (int) (h * c));
            int[] small = BoxResize.resize(rgb, w, h, smallW, smallH);
            return image(BoxResize.resize(small, smallW, smallH, w, h), w, h);
        }
        double[] x = new double[rgb.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = rgb[i] / 255.0;
        }
        SplitMix64 random = new SplitMix64(seed);
        switch (this) {
            case GAUSSIAN_NOISE -> {
                for (int i = 0; i < x.length; i++) {
                    x[i] = x[i] + random.normal() * c;
                }
            }
            case SHOT_NOISE -> {
                for (int i = 0; i < x.length; i++) {
                    x[i] = random.poisson(x[i] * c) / c;
                }
            }
            case GAUSSIAN_BLUR -> x = GaussianBlur.blur(x, w, h, c);
            case DEFOCUS_BLUR -> x = DefocusBlur.blur(x, w, h, c, DEFOCUS_ALIAS_BLUR[table.ordinal()][severity - 1]);
            case BRIGHTNESS -> {
                for (int i = 0; i < x.length; i += 3) {
                    double[] hsv = Hsv.fromRgb(x[i], x[i + 1], x[i + 2]);
                    double[] back = Hsv.toRgb(hsv[0], hsv[1], Math.min(1, Math.max(0, hsv[2] + c)));
                    System.arraycopy(back, 0, x, i, 3);
                }
            }
            case CONTRAST -> {
                double[] means = new double[3];
                for (int i = 0; i < x.length; i++) {
                    means[i % 3] += x[i];
                }
                for (int k = 0; k < 3; k++) {
                    means[k] /= (double) w * h;
                }
                for (int i = 0; i < x.length; i++) {
                    x[i] = (x[i] - means[i % 3]) * c + means[i % 3];
                }
            }
            default -> throw new IllegalStateException(name());
        }
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (int) (Math.min(1, Math.max(0, x[i])) * 255); // np.uint8 truncates
        }
        return image(out, w, h);
    }

    /** Interleaved 8-bit RGB, row-major. */
    static int[] rgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        int[] rgb = new int[w * h * 3];
        for (int i = 0; i < argb.length; i++) {
            rgb[3 * i] = (argb[i] >> 16) & 0xff;
            rgb[3 * i + 1] = (argb[i] >> 8) & 0xff;
            rgb[3 * i + 2] = argb[i] & 0xff;
        }
        return rgb;
    }

    static BufferedImage image(int[] rgb, int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] argb = new int[w * h];
        for (int i = 0; i < argb.length; i++) {
            argb[i] = (rgb[3 * i] << 16) | (rgb[3 * i + 1] << 8) | rgb[3 * i + 2];
        }
        image.setRGB(0, 0, w, h, argb, 0, w);
        return image;
    }

    /**
     * JPEG at IJG quality {@code quality} (as PIL's {@code quality=}), decoded again. The quantization tables are
     * scaled exactly as libjpeg does (integer percent scale, rounded per entry): ImageIO's own float quality rounds
     * some entries otherwise (quality 18 differed from PIL by up to 3 levels).
     */
    private static BufferedImage jpeg(BufferedImage image, int quality) {
        BufferedImage rgbImage = image(rgb(image), image.getWidth(), image.getHeight());
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream()) {
            try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(out);
                // the tables go into the image metadata's DQT segment (encode tables in the param are only for
                // abbreviated streams)
                IIOMetadata metadata = writer.getDefaultImageMetadata(
                        javax.imageio.ImageTypeSpecifier.createFromRenderedImage(rgbImage), null);
                String format = "javax_imageio_jpeg_image_1.0";
                IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(format);
                NodeList tables = root.getElementsByTagName("dqtable");
                for (int t = 0; t < tables.getLength(); t++) {
                    IIOMetadataNode table = (IIOMetadataNode) tables.item(t);
                    JPEGQTable base = Integer.parseInt(table.getAttribute("qtableId")) == 0 ? JPEGQTable.K1Luminance
                            : JPEGQTable.K2Chrominance;
                    table.setUserObject(ijgScaled(base, quality));
                }
                metadata.setFromTree(format, root);
                writer.write(null, new IIOImage(rgbImage, null, metadata), null);
            } finally {
                writer.dispose();
            }
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(bytes.toByteArray()));
            return image(rgb(decoded), decoded.getWidth(), decoded.getHeight());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** libjpeg's {@code jpeg_quality_scaling} and {@code jpeg_add_quant_table} (baseline: at most 255). */
    private static JPEGQTable ijgScaled(JPEGQTable base, int quality) {
        int q = Math.max(1, Math.min(100, quality));
        int scale = q < 50 ? 5000 / q : 200 - 2 * q;
        int[] table = base.getTable();
        int[] scaled = new int[table.length];
        for (int i = 0; i < table.length; i++) {
            scaled[i] = Math.max(1, Math.min(255, (table[i] * scale + 50) / 100));
        }
        return new JPEGQTable(scaled);
    }

    /** SplitMix64 (Steele et al.), doubles from its top 53 bits; normals and Poisson counts drawn as numpy does. */
    static final class SplitMix64 {
        private long state;

        SplitMix64(long seed) {
            this.state = seed;
        }

        long next() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        /** Uniform in [0, 1). */
        double uniform() {
            return (next() >>> 11) * 0x1.0p-53;
        }

        /** Box-Muller, one normal from two uniforms. */
        double normal() {
            double u1 = 1.0 - uniform();
            double u2 = uniform();
            return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
        }

        /** numpy's: multiplication below 10, Hörmann's PTRS from 10 on. */
        long poisson(double lambda) {
            if (lambda <= 0) {
                return 0;
            }
            if (lambda < 10) {
                double limit = StrictMath.exp(-lambda);
                long k = 0;
                double product = uniform();
                while (product > limit) {
                    k++;
                    product *= uniform();
                }
                return k;
            }
            double slam = StrictMath.sqrt(lambda);
            double loglam = StrictMath.log(lambda);
            double b = 0.931 + 2.53 * slam;
            double a = -0.059 + 0.02483 * b;
            double invalpha = 1.1239 + 1.1328 / (b - 3.4);
            double vr = 0.9277 - 3.6224 / (b - 2);
            while (true) {
                double u = uniform() - 0.5;
                double v = uniform();
                double us = 0.5 - Math.abs(u);
                long k = (long) Math.floor((2 * a / us + b) * u + lambda + 0.43);
                if (us >= 0.07 && v <= vr) {
                    return k;
                }
                if (k < 0 || (us < 0.013 && v > us)) {
                    continue;
                }
                if (StrictMath.log(v) + StrictMath.log(invalpha) - StrictMath.log(a / (us * us) + b)
                        <= -lambda + k * loglam - logGamma(k + 1)) {
                    return k;
                }
            }
        }

        /** numpy's {@code random_loggam}. */
        static double logGamma(double x) {
            double[] a = {8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04,
                    -5.952380952380952e-04, 8.417508417508418e-04, -1.917526917526918e-03, 6.410256410256410e-03,
                    -2.955065359477124e-02, 1.796443723688307e-01, -1.39243221690590e+00};
            if (x == 1.0 || x == 2.0) {
                return 0;
            }
            long n = x < 7.0 ? (long) (7 - x) : 0;
            double x0 = x + n;
            double x2 = 1.0 / (x0 * x0);
            double xp = 2 * Math.PI;
            double gl0 = a[9];
            for (int k = 8; k >= 0; k--) {
                gl0 *= x2;
                gl0 += a[k];
            }
            double gl = gl0 / x0 + 0.5 * StrictMath.log(xp) + (x0 - 0.5) * StrictMath.log(x0) - x0;
            if (x < 7.0) {
                for (long k = 1; k <= n; k++) {
                    gl -= StrictMath.log(x0 - 1.0);
                    x0 -= 1.0;
                }
            }
            return gl;
        }
    }

    /** scipy.ndimage.gaussian_filter over height and width ({@code mode='nearest', truncate=4.0}). */
    static final class GaussianBlur {
        static double[] blur(double[] x, int w, int h, double sigma) {
            int radius = (int) (4.0 * sigma + 0.5);
            double[] kernel = new double[2 * radius + 1];
            double sum = 0;
            for (int i = -radius; i <= radius; i++) {
                kernel[i + radius] = Math.exp(-0.5 / (sigma * sigma) * i * i);
                sum += kernel[i + radius];
            }
            for (int i = 0; i < kernel.length; i++) {
                kernel[i] /= sum;
            }
            double[] rows = new double[x.length];
            for (int y = 0; y < h; y++) { // along axis 0 (height) first, as scipy does
                for (int col = 0; col < w; col++) {
                    for (int ch = 0; ch < 3; ch++) {
                        double v = 0;
                        for (int k = -radius; k <= radius; k++) {
                            int yy = Math.min(h - 1, Math.max(0, y + k));
                            v += kernel[k + radius] * x[(yy * w + col) * 3 + ch];
                        }
                        rows[(y * w + col) * 3 + ch] = v;
                    }
                }
            }
            double[] out = new double[x.length];
            for (int y = 0; y < h; y++) {
                for (int col = 0; col < w; col++) {
                    for (int ch = 0; ch < 3; ch++) {
                        double v = 0;
                        for (int k = -radius; k <= radius; k++) {
                            int xx = Math.min(w - 1, Math.max(0, col + k));
                            v += kernel[k + radius] * rows[(y * w + xx) * 3 + ch];
                        }
                        out[(y * w + col) * 3 + ch] = v;
                    }
                }
            }
            return out;
        }
    }

    /**
     * ImageNet-C's {@code defocus_blur}: each channel correlated with {@code disk(radius, alias_blur)}, a disk of the
     * given radius (normalized in float32, as numpy does) on a grid of at least -8..8, smoothed by a 3x3 Gaussian of
     * sigma {@code alias_blur} (5x5 for a radius over 8), both with OpenCV's default border, reflect-101.
     */
    static final class DefocusBlur {
        static double[] blur(double[] x, int w, int h, double radius, double aliasBlur) {
            int half = radius <= 8 ? 8 : (int) radius;
            int size = 2 * half + 1;
            int count = 0;
            for (int i = -half; i <= half; i++) {
                for (int j = -half; j <= half; j++) {
                    count += i * i + j * j <= radius * radius ? 1 : 0;
                }
            }
            float inside = 1f / count;
            double[] disk = new double[size * size * 3];
            for (int i = -half; i <= half; i++) {
                for (int j = -half; j <= half; j++) {
                    double v = i * i + j * j <= radius * radius ? inside : 0;
                    for (int ch = 0; ch < 3; ch++) {
                        disk[((i + half) * size + j + half) * 3 + ch] = v; // three equal channels: one correlate
                    }
                }
            }
            int gaussianSize = radius <= 8 ? 3 : 5;
            double[] gaussian = new double[gaussianSize];
            double sum = 0;
            for (int i = 0; i < gaussianSize; i++) {
                double d = i - (gaussianSize - 1) / 2.0;
                gaussian[i] = Math.exp(-d * d / (2 * aliasBlur * aliasBlur));
                sum += gaussian[i];
            }
            double[] gaussian2d = new double[gaussianSize * gaussianSize];
            for (int i = 0; i < gaussianSize; i++) {
                for (int j = 0; j < gaussianSize; j++) {
                    gaussian2d[i * gaussianSize + j] = gaussian[i] / sum * gaussian[j] / sum;
                }
            }
            double[] kernel = correlate(disk, size, size, gaussian2d, gaussianSize);
            double[] oneChannel = new double[size * size];
            for (int i = 0; i < oneChannel.length; i++) {
                oneChannel[i] = kernel[3 * i];
            }
            return correlate(x, w, h, oneChannel, size);
        }

        /** Interleaved RGB correlated per channel with a square kernel, reflect-101 border (OpenCV's default). */
        static double[] correlate(double[] x, int w, int h, double[] kernel, int size) {
            int half = size / 2;
            double[] out = new double[x.length];
            for (int y = 0; y < h; y++) {
                for (int col = 0; col < w; col++) {
                    for (int ch = 0; ch < 3; ch++) {
                        double v = 0;
                        for (int i = 0; i < size; i++) {
                            int yy = reflect101(y + i - half, h);
                            for (int j = 0; j < size; j++) {
                                v += kernel[i * size + j] * x[(yy * w + reflect101(col + j - half, w)) * 3 + ch];
                            }
                        }
                        out[(y * w + col) * 3 + ch] = v;
                    }
                }
            }
            return out;
        }

        /** Index {@code i} reflected into [0, n) without repeating the edge (gfedcb|abcdefgh|gfedcba). */
        static int reflect101(int i, int n) {
            if (n == 1) {
                return 0;
            }
            int period = 2 * (n - 1);
            int m = Math.floorMod(i, period);
            return m < n ? m : period - m;
        }
    }

    /** RGB to HSV and back, in [0, 1], as Python's colorsys. */
    static final class Hsv {
        static double[] fromRgb(double r, double g, double b) {
            double max = Math.max(r, Math.max(g, b));
            double min = Math.min(r, Math.min(g, b));
            if (min == max) {
                return new double[] {0, 0, max};
            }
            double s = (max - min) / max;
            double rc = (max - r) / (max - min);
            double gc = (max - g) / (max - min);
            double bc = (max - b) / (max - min);
            double hue;
            if (r == max) {
                hue = bc - gc;
            } else if (g == max) {
                hue = 2.0 + rc - bc;
            } else {
                hue = 4.0 + gc - rc;
            }
            hue = (hue / 6.0) % 1.0;
            if (hue < 0) {
                hue += 1.0; // Python's modulo is never negative
            }
            return new double[] {hue, s, max};
        }

        static double[] toRgb(double hue, double s, double v) {
            if (s == 0.0) {
                return new double[] {v, v, v};
            }
            int i = (int) (hue * 6.0);
            double f = hue * 6.0 - i;
            double p = v * (1.0 - s);
            double q = v * (1.0 - s * f);
            double t = v * (1.0 - s * (1.0 - f));
            return switch (i % 6) {
                case 0 -> new double[] {v, t, p};
                case 1 -> new double[] {q, v, p};
                case 2 -> new double[] {p, v, t};
                case 3 -> new double[] {p, q, v};
                case 4 -> new double[] {t, p, v};
                default -> new double[] {v, p, q};
            };
        }
    }

    /**
     * PIL's {@code Image.resize(size, Image.BOX)} on 8-bit RGB: separable, horizontal pass first, coefficients in
     * 22-bit fixed point, each pass rounded and clipped to 8 bits (Pillow's {@code Resample.c}).
     */
    static final class BoxResize {
        private static final int PRECISION_BITS = 32 - 8 - 2;

        static int[] resize(int[] rgb, int w, int h, int newW, int newH) {
            int[] horizontal = newW == w ? rgb : pass(rgb, w, h, newW, true);
            return newH == h ? horizontal : pass(horizontal, newW, h, newH, false);
        }

        private static int[] pass(int[] in, int w, int h, int outSize, boolean horizontal) {
            int inSize = horizontal ? w : h;
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = 0.5 * filterScale;
            int[] bounds = new int[outSize * 2];
            int maxTaps = (int) Math.ceil(support) * 2 + 1;
            int[][] coefficients = new int[outSize][];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double[] k = new double[Math.min(maxTaps, Math.max(xmax, 0))];
                double total = 0;
                int n = 0;
                for (; n < xmax && n < k.length; n++) {
                    double x = (n + xmin - center + 0.5) * ss;
                    double weight = x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
                    k[n] = weight;
                    total += weight;
                }
                int[] fixed = new int[n];
                for (int i = 0; i < n; i++) {
                    double normalized = total != 0 ? k[i] / total : 0;
                    fixed[i] = (int) (normalized < 0 ? normalized * (1 << PRECISION_BITS) - 0.5
                            : normalized * (1 << PRECISION_BITS) + 0.5);
                }
                bounds[2 * o] = xmin;
                bounds[2 * o + 1] = n;
                coefficients[o] = fixed;
            }
            int outW = horizontal ? outSize : w;
            int outH = horizontal ? h : outSize;
            int[] out = new int[outW * outH * 3];
            for (int y = 0; y < outH; y++) {
                for (int x = 0; x < outW; x++) {
                    int o = horizontal ? x : y;
                    int start = bounds[2 * o];
                    int[] k = coefficients[o];
                    for (int ch = 0; ch < 3; ch++) {
                        long acc = 1L << (PRECISION_BITS - 1);
                        for (int i = 0; i < k.length; i++) {
                            int sx = horizontal ? start + i : x;
                            int sy = horizontal ? y : start + i;
                            acc += (long) in[(sy * w + sx) * 3 + ch] * k[i];
                        }
                        out[(y * outW + x) * 3 + ch] = (int) Math.min(255, Math.max(0, acc >> PRECISION_BITS));
                    }
                }
            }
            return out;
        }
    }
}
