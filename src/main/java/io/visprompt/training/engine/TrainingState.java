package io.visprompt.training.engine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Everything a run needs to continue exactly where it stopped, and its binary form (the checkpoint's state bytes).
 * Randomness is derived from the seed and the step or epoch number, so the seed and the position are the random
 * state. The run's shape (prompt, optimizer, data size, batch size) is recorded and checked on resume, so a
 * checkpoint is never applied to a different run.
 */
final class TrainingState {

    private static final int MAGIC = 0x56505354; // "VPST"
    private static final int VERSION = 1;

    /** What must match between the run that wrote a checkpoint and the run that resumes it. */
    record Shape(long seed, PromptTemplate template, int promptSize, PromptPlacement placement, int height, int width,
            OptimizerKind optimizer, int trainExamples, int batchSize, int epochs) {
    }

    final Shape shape;
    int completedEpochs;
    long step;
    float[] values;
    float[] optimizerState;
    int[] mapping;
    float[] bestValues;
    int[] bestMapping;
    double bestValidationAccuracy = Double.NaN;
    int bestEpoch;
    /** Sums over the steps done so far in the current epoch, for its metrics. */
    double epochLossSum;
    long epochCorrect;
    long epochSeen;
    long epochTrainNanos;

    TrainingState(Shape shape) {
        this.shape = shape;
    }

    void startEpoch() {
        epochLossSum = 0;
        epochCorrect = 0;
        epochSeen = 0;
        epochTrainNanos = 0;
    }

    byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeLong(shape.seed());
            out.writeUTF(shape.template().name());
            out.writeInt(shape.promptSize());
            out.writeUTF(shape.placement().name());
            out.writeInt(shape.height());
            out.writeInt(shape.width());
            out.writeUTF(shape.optimizer().name());
            out.writeInt(shape.trainExamples());
            out.writeInt(shape.batchSize());
            out.writeInt(shape.epochs());
            out.writeInt(completedEpochs);
            out.writeLong(step);
            writeFloats(out, values);
            writeFloats(out, optimizerState);
            writeInts(out, mapping);
            writeFloats(out, bestValues);
            writeInts(out, bestMapping);
            out.writeDouble(bestValidationAccuracy);
            out.writeInt(bestEpoch);
            out.writeDouble(epochLossSum);
            out.writeLong(epochCorrect);
            out.writeLong(epochSeen);
            out.writeLong(epochTrainNanos);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads a checkpoint written by a run of the same shape; anything else is rejected. */
    static TrainingState fromBytes(byte[] state, Shape expected) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new IllegalArgumentException("Not a training checkpoint of this engine version");
            }
            Shape shape = new Shape(in.readLong(), PromptTemplate.valueOf(in.readUTF()), in.readInt(),
                    PromptPlacement.valueOf(in.readUTF()), in.readInt(), in.readInt(),
                    OptimizerKind.valueOf(in.readUTF()), in.readInt(), in.readInt(), in.readInt());
            if (!shape.equals(expected)) {
                throw new IllegalArgumentException("Checkpoint was written by a different run: " + shape
                        + " is not " + expected);
            }
            TrainingState restored = new TrainingState(shape);
            restored.completedEpochs = in.readInt();
            restored.step = in.readLong();
            restored.values = readFloats(in);
            restored.optimizerState = readFloats(in);
            restored.mapping = readInts(in);
            restored.bestValues = readFloats(in);
            restored.bestMapping = readInts(in);
            restored.bestValidationAccuracy = in.readDouble();
            restored.bestEpoch = in.readInt();
            restored.epochLossSum = in.readDouble();
            restored.epochCorrect = in.readLong();
            restored.epochSeen = in.readLong();
            restored.epochTrainNanos = in.readLong();
            return restored;
        } catch (IOException e) {
            throw new IllegalArgumentException("Truncated or corrupt training checkpoint", e);
        }
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values == null ? -1 : values.length);
        if (values != null) {
            for (float value : values) {
                out.writeFloat(value);
            }
        }
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = in.readFloat();
        }
        return values;
    }

    private static void writeInts(DataOutputStream out, int[] values) throws IOException {
        out.writeInt(values == null ? -1 : values.length);
        if (values != null) {
            for (int value : values) {
                out.writeInt(value);
            }
        }
    }

    private static int[] readInts(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        int[] values = new int[length];
        for (int i = 0; i < length; i++) {
            values[i] = in.readInt();
        }
        return values;
    }
}
