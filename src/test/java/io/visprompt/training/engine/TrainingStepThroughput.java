package io.visprompt.training.engine;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;

import ai.djl.ndarray.NDManager;
import io.visprompt.model.internal.LoadedModel;

/**
 * Measures one full training step (forward with the prompt, backward to the prompt, SGD update) on the demo
 * classifier at batch 32 and prints images per second: {@code bench/step-throughput.sh [measured steps]}. A benchmark,
 * not a test (timings depend on the machine, so there is nothing to assert); the name does not match Surefire's
 * patterns. It lives in the test sources for the engine's package-private classes and {@link EngineFixtures}.
 */
public final class TrainingStepThroughput {

    private static final int BATCH = 32;
    private static final int WARMUP_STEPS = 5;

    private TrainingStepThroughput() {
    }

    public static void main(String[] args) {
        int measuredSteps = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        try (LoadedModel model = EngineFixtures.classifier(); NDManager manager = NDManager.newBaseManager("PyTorch")) {
            int side = model.descriptor().inputSize();
            VisualPrompt prompt = VisualPrompt.of(PromptTemplate.PADDING, Math.max(1, side * 30 / 224), side, side);
            float[] values = prompt.initialValues(PromptPlacement.NORMALIZED, 0);
            float[] mask = prompt.mask();
            PromptGradient gradients = new PromptGradient(new PromptedForward(model, PromptPlacement.NORMALIZED,
                    new ClassifierLabelHead(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})), side, side);
            MomentumSgd optimizer = new MomentumSgd(values.length, 0.9, 0);
            Random random = new Random(0);
            float[] pixels = new float[BATCH * side * side * 3];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = random.nextFloat();
            }
            int[] labels = new int[BATCH];
            Arrays.setAll(labels, i -> i % 10);
            long[] nanos = new long[measuredSteps];
            for (int step = 0; step < WARMUP_STEPS + measuredSteps; step++) {
                long started = System.nanoTime();
                PromptGradient.Result result = gradients.compute(manager, FloatBuffer.wrap(pixels), labels, BATCH,
                        prompt.placed(values, VisualPrompt.Offset.NONE));
                optimizer.update(values, prompt.storedGradient(result.gradient(), VisualPrompt.Offset.NONE), mask,
                        0.1);
                if (step >= WARMUP_STEPS) {
                    nanos[step - WARMUP_STEPS] = System.nanoTime() - started;
                }
            }
            Arrays.sort(nanos);
            double median = nanos[measuredSteps / 2] / 1e9;
            System.out.printf("fashion-cnn training step, batch %d, %dx%d: median %.2f ms, %.0f images/s%n", BATCH,
                    side, side, median * 1e3, BATCH / median);
        }
    }
}
