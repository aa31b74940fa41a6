package io.visprompt.training.engine;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

/** Top-1 accuracy through the serving path ({@link PromptedClassifier#prepare} and {@code probabilities}). */
final class ServedAccuracy {

    private ServedAccuracy() {
    }

    static double of(PromptedClassifier classifier, List<TrainingExample> examples) throws IOException {
        List<float[]> inputs = new ArrayList<>();
        for (TrainingExample example : examples) {
            BufferedImage image = ImageIO.read(example.file().toFile());
            inputs.add(classifier.prepare(image));
        }
        float[][] probabilities = classifier.probabilities(inputs);
        int correct = 0;
        for (int i = 0; i < probabilities.length; i++) {
            int best = 0;
            for (int c = 1; c < probabilities[i].length; c++) {
                if (probabilities[i][c] > probabilities[i][best]) {
                    best = c;
                }
            }
            correct += best == examples.get(i).label() ? 1 : 0;
        }
        return (double) correct / examples.size();
    }
}
