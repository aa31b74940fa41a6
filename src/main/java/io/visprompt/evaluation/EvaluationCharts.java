package io.visprompt.evaluation;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.imageio.ImageIO;

/** The report's pictures as PNG, drawn with Java2D: the confusion matrix as a heatmap and the reliability diagram. */
final class EvaluationCharts {

    private static final Color INK = new Color(0x1f2933);
    private static final Color GRID = new Color(0xd0d5dc);
    private static final Color WITH = new Color(0x2563eb);
    private static final Color WITHOUT = new Color(0x9ca3af);

    private EvaluationCharts() {
    }

    /**
     * Rows are the true classes, columns the predicted ones, both named; each cell is shaded by its share of its
     * row (the recall view) and shows its count.
     */
    static byte[] confusionMatrix(List<String> classNames, long[][] matrix, String title) {
        int k = classNames.size();
        int cell = k <= 12 ? 44 : k <= 30 ? 24 : 12;
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(9, Math.min(13, cell / 3 + 2)));
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D measure = probe.createGraphics();
        FontMetrics fm = measure.getFontMetrics(font);
        int label = classNames.stream().mapToInt(fm::stringWidth).max().orElse(0) + 10;
        measure.dispose();
        int left = label + 30;
        int top = label + 40;
        int width = left + k * cell + 20;
        int height = top + k * cell + 20;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(image);
        g.setFont(font.deriveFont(Font.BOLD, 13f));
        g.drawString(title, 10, 18);
        g.setFont(font);
        g.drawString("predicted", left, 34);
        AffineTransform normal = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString("true", -(top + 30), 16);
        g.setTransform(normal);
        for (int r = 0; r < k; r++) {
            long rowTotal = 0;
            for (long v : matrix[r]) {
                rowTotal += v;
            }
            for (int c = 0; c < k; c++) {
                double share = rowTotal == 0 ? 0 : (double) matrix[r][c] / rowTotal;
                g.setColor(shade(share, r == c));
                g.fillRect(left + c * cell, top + r * cell, cell, cell);
                g.setColor(GRID);
                g.drawRect(left + c * cell, top + r * cell, cell, cell);
                if (cell >= 24 && matrix[r][c] > 0) {
                    String count = Long.toString(matrix[r][c]);
                    g.setColor(share > 0.55 ? Color.WHITE : INK);
                    g.drawString(count, left + c * cell + (cell - fm.stringWidth(count)) / 2,
                            top + r * cell + (cell + fm.getAscent()) / 2 - 2);
                }
            }
            g.setColor(INK);
            String name = classNames.get(r);
            g.drawString(name, left - 6 - fm.stringWidth(name), top + r * cell + (cell + fm.getAscent()) / 2 - 2);
        }
        for (int c = 0; c < k; c++) {
            AffineTransform saved = g.getTransform();
            g.translate(left + c * cell + (cell + fm.getAscent()) / 2 - 2, top - 6);
            g.rotate(-Math.PI / 2);
            g.drawString(classNames.get(c), 0, 0);
            g.setTransform(saved);
        }
        g.dispose();
        return png(image);
    }

    /**
     * Accuracy per confidence bin as bars against the diagonal of perfect calibration, with and (for a prompt)
     * without the prompt; the legend gives each expected calibration error.
     *
     * @param bins per series: the report's calibration bins ({@code lower, upper, count, accuracy, confidence})
     */
    static byte[] reliabilityDiagram(Map<String, List<Map<String, Object>>> bins, Map<String, Double> ece) {
        int size = 420;
        int left = 56;
        int top = 56;
        int bottom = 48;
        BufferedImage image = new BufferedImage(left + size + 24, top + size + bottom, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(image);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString("Reliability diagram", 10, 18);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int legendX = 10;
        int series = 0;
        for (String name : bins.keySet()) {
            g.setColor(color(name));
            g.fillRect(legendX, 28, 10, 10);
            g.setColor(INK);
            Double e = ece.get(name);
            String text = name.replace('_', ' ') + " (ECE " + (e == null ? "n/a"
                    : String.format(Locale.ROOT, "%.3f", e)) + ")";
            g.drawString(text, legendX + 14, 37);
            legendX += 20 + g.getFontMetrics().stringWidth(text);
            series++;
        }
        g.setColor(GRID);
        for (int i = 0; i <= 5; i++) {
            int y = top + size - i * size / 5;
            g.drawLine(left, y, left + size, y);
            g.setColor(INK);
            g.drawString(String.format(Locale.ROOT, "%.1f", i / 5.0), left - 28, y + 4);
            g.drawString(String.format(Locale.ROOT, "%.1f", i / 5.0), left + i * size / 5 - 8, top + size + 16);
            g.setColor(GRID);
        }
        g.setColor(INK);
        g.drawString("confidence", left + size / 2 - 28, top + size + 34);
        AffineTransform normal = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString("accuracy", -(top + size / 2 + 24), 14);
        g.setTransform(normal);
        int index = 0;
        for (Map.Entry<String, List<Map<String, Object>>> entry : bins.entrySet()) {
            g.setColor(color(entry.getKey()));
            for (Map<String, Object> bin : entry.getValue()) {
                Object accuracy = bin.get("accuracy");
                if (!(accuracy instanceof Number a)) {
                    continue;
                }
                double lower = ((Number) bin.get("lower")).doubleValue();
                double upper = ((Number) bin.get("upper")).doubleValue();
                int x0 = left + (int) Math.round(lower * size);
                int x1 = left + (int) Math.round(upper * size);
                int barWidth = Math.max(1, (x1 - x0 - 2) / Math.max(1, series));
                int h = (int) Math.round(a.doubleValue() * size);
                g.fillRect(x0 + 1 + index * barWidth, top + size - h, barWidth, h);
            }
            index++;
        }
        g.setColor(INK);
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1, new float[] {5, 4}, 0));
        g.drawLine(left, top + size, left + size, top);
        g.setStroke(new BasicStroke(1));
        g.drawRect(left, top, size, size);
        g.dispose();
        return png(image);
    }

    private static Color color(String series) {
        return EvaluationReport.WITH.equals(series) ? WITH : WITHOUT;
    }

    /** White to blue by share; the diagonal in blue, mistakes in red. */
    private static Color shade(double share, boolean diagonal) {
        Color full = diagonal ? new Color(0x1d4ed8) : new Color(0xdc2626);
        int r = (int) Math.round(255 + (full.getRed() - 255) * share);
        int gr = (int) Math.round(255 + (full.getGreen() - 255) * share);
        int b = (int) Math.round(255 + (full.getBlue() - 255) * share);
        return new Color(r, gr, b);
    }

    private static Graphics2D start(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(INK);
        return g;
    }

    private static byte[] png(BufferedImage image) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
