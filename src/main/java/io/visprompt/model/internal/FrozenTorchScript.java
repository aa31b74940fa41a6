package io.visprompt.model.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

/**
 * One TorchScript module loaded so that gradients reach its input but never its weights.
 * <ul>
 * <li>{@code trainParam=true}: a default load runs under inference mode, whose tensors cannot be saved for
 * backward.</li>
 * <li>{@code freezeParameters(true)}: weights stop requiring gradients, so backward computes none for them.</li>
 * <li>The module is put in eval mode once, and forward goes straight to {@link IValueUtils#forward}: the block's own
 * forward flips train/eval mode on the shared module whenever the {@code training} flag changes, which would race
 * between a training job and serving. Here {@code training} only decides whether autograd records the graph.</li>
 * </ul>
 */
final class FrozenTorchScript implements AutoCloseable {

    private final Model model;
    private final PtSymbolBlock block;

    private FrozenTorchScript(Model model, PtSymbolBlock block) {
        this.model = model;
        this.block = block;
    }

    static FrozenTorchScript load(Path directory, String name) {
        Path file = directory.resolve(name + ".pt");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Model file " + file + " does not exist");
        }
        // The engine's default device (GPU 0 when libtorch sees one, else the CPU): the trainer and the serving path
        // create their arrays with NDManager.newBaseManager, which uses that same device.
        Model model = Model.newInstance(name, Engine.getEngine("PyTorch").defaultDevice(), "PyTorch");
        try {
            model.load(directory, name, Map.of("trainParam", "true"));
            PtSymbolBlock block = (PtSymbolBlock) model.getBlock();
            block.freezeParameters(true);
            JniUtils.enableInferenceMode(block);
            return new FrozenTorchScript(model, block);
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException("Cannot read TorchScript model " + file, e);
        } catch (MalformedModelException | RuntimeException e) {
            model.close();
            throw new IllegalArgumentException("Cannot load TorchScript model " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The first output of the module; with {@code training} false no graph is recorded. Autograd's grad mode is
     * per thread and DJL's engine switches it off on the thread that starts it, so a training forward switches it
     * on for the call (the caller's loss needs it on too).
     */
    NDArray forward(NDArray input, boolean training) {
        NDList outputs;
        if (training && !JniUtils.isGradMode()) {
            JniUtils.setGradMode(true);
            try {
                outputs = IValueUtils.forward(block, new NDList(input), true);
            } finally {
                JniUtils.setGradMode(false);
            }
        } else {
            outputs = IValueUtils.forward(block, new NDList(input), training);
        }
        NDArray first = outputs.get(0);
        for (int i = 1; i < outputs.size(); i++) {
            outputs.get(i).close();
        }
        return first;
    }

    /** The module's compiled methods: {@code forward} and those exported with {@code @torch.jit.export}. */
    List<String> methodNames() {
        return List.of(JniUtils.getMethodNames(block));
    }

    /**
     * Another method of the module on one input, without a graph (grad mode is off on DJL's threads and the weights
     * are frozen); the first output when it returns a tuple. The same native calls as {@link IValueUtils#forward}.
     */
    NDArray runMethod(String method, NDArray input) {
        IValue argument = IValue.from((PtNDArray) input);
        NDList outputs;
        try (IValue result = IValueUtils.runMethod(block, method, argument)) {
            outputs = result.toNDList((PtNDManager) input.getManager());
        } finally {
            argument.close();
        }
        NDArray first = outputs.get(0);
        for (int i = 1; i < outputs.size(); i++) {
            outputs.get(i).close();
        }
        return first;
    }

    List<NDArray> weights() {
        return block.getParameters().values().stream().map(Parameter::getArray).toList();
    }

    @Override
    public void close() {
        model.close();
    }
}
