package io.visprompt.training.engine;

/**
 * {@code torch.optim.Adam} (betas 0.9 and 0.999, eps 1e-8, L2 weight decay added to the gradient, no AMSGrad), in
 * float32 with PyTorch's order of operations:
 * <pre>
 * t += 1; g += wd * p
 * m = b1 * m + (1 - b1) * g;  v = b2 * v + (1 - b2) * g * g
 * p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * ILM-VP trains prompts for plain CNNs with it (lr 0.01). The step count is part of the state, so a resumed run
 * applies the same bias corrections.
 */
final class Adam implements PromptOptimizer {

    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPSILON = 1e-8;

    private final float weightDecay;
    private final float[] firstMoment;
    private final float[] secondMoment;
    private int steps;

    Adam(int length, double weightDecay) {
        this.weightDecay = (float) weightDecay;
        this.firstMoment = new float[length];
        this.secondMoment = new float[length];
    }

    @Override
    public void update(float[] values, float[] gradient, float[] mask, double learningRate) {
        steps++;
        // Python floats (double) in PyTorch, rounded to float32 where they meet a tensor.
        double biasCorrection1 = 1 - Math.pow(BETA1, steps);
        double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(BETA2, steps));
        float negativeStepSize = (float) -(learningRate / biasCorrection1);
        float correction2 = (float) biasCorrection2Sqrt;
        float beta1 = (float) BETA1;
        float beta2 = (float) BETA2;
        float oneMinusBeta1 = (float) (1 - BETA1);
        float oneMinusBeta2 = (float) (1 - BETA2);
        float epsilon = (float) EPSILON;
        for (int i = 0; i < values.length; i++) {
            if (mask[i] == 0f) {
                continue;
            }
            float g = weightDecay == 0f ? gradient[i] : Math.fma(weightDecay, values[i], gradient[i]);
            // exp_avg.mul_(b1).add_(g, alpha=1-b1): the add is a fused multiply-add in PyTorch's vectorized kernel.
            firstMoment[i] = Math.fma(oneMinusBeta1, g, firstMoment[i] * beta1);
            // exp_avg_sq.mul_(b2).addcmul_(g, g, value=1-b2): self + (value * g) * g, unfused.
            secondMoment[i] = secondMoment[i] * beta2 + oneMinusBeta2 * g * g;
            float denominator = (float) Math.sqrt(secondMoment[i]) / correction2 + epsilon;
            // param.addcdiv_(exp_avg, denom, value=-step_size): self + (value * m) / denom.
            values[i] = values[i] + negativeStepSize * firstMoment[i] / denominator;
        }
    }

    /** First moments, second moments, then the step count (its int bits in one float, so it is exact). */
    @Override
    public float[] state() {
        int length = firstMoment.length;
        float[] state = new float[2 * length + 1];
        System.arraycopy(firstMoment, 0, state, 0, length);
        System.arraycopy(secondMoment, 0, state, length, length);
        state[2 * length] = Float.intBitsToFloat(steps);
        return state;
    }

    @Override
    public void restore(float[] state) {
        int length = firstMoment.length;
        if (state.length != 2 * length + 1) {
            throw new IllegalArgumentException("Adam state has " + state.length + " values, expected "
                    + (2 * length + 1));
        }
        System.arraycopy(state, 0, firstMoment, 0, length);
        System.arraycopy(state, length, secondMoment, 0, length);
        steps = Float.floatToRawIntBits(state[2 * length]);
    }
}
