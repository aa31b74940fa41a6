import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.Utils;

/**
 * Image build step, not application code: unpacks DJL's PyTorch natives into the engine cache (DJL_CACHE_DIR)
 * once, at image build time, so that a container starts without writing ~445 MB and without network.
 *
 * <p>Compiled by the Dockerfile's build stage against the application's own jars and run in the runtime stage, on the
 * runtime base image, so a library that cannot load there fails the build instead of the first training job.
 *
 * <p>{@code --natives-only} (CUDA image): an image build has no GPU driver, so loading the CUDA flavour may fail; then
 * only check that the natives were downloaded into the cache. The full check happens at the first start on a GPU node.
 */
public final class DjlWarmup {

    private DjlWarmup() {
    }

    public static void main(String[] args) throws Exception {
        boolean nativesOnly = args.length > 0 && "--natives-only".equals(args[0]);
        Path cache = Utils.getEngineCacheDir("pytorch");
        try {
            Engine engine = Engine.getEngine("PyTorch");
            try (NDManager manager = engine.newBaseManager()) {
                NDArray sum = manager.arange(4f).reshape(2, 2).matMul(manager.ones(new Shape(2, 1))).sum();
                if (sum.getFloat() != 6f) {
                    throw new IllegalStateException("PyTorch engine computed " + sum.getFloat() + " instead of 6");
                }
            }
            System.out.printf("DJL warm-up: %s %s loaded from %s (GPUs visible now: %d)%n",
                    engine.getEngineName(), engine.getVersion(), cache, engine.getGpuCount());
        } catch (Throwable e) {
            if (!nativesOnly) {
                throw e;
            }
            System.out.printf("DJL warm-up: engine did not load at build time (%s); checking the cache only%n", e);
        }
        long libtorch = 0;
        if (Files.isDirectory(cache)) {
            try (Stream<Path> files = Files.walk(cache)) {
                libtorch = files.filter(p -> p.getFileName().toString().equals("libtorch.so")).count();
            }
        }
        if (libtorch == 0) {
            throw new IllegalStateException("No libtorch.so under " + cache + ": the natives were neither on the"
                    + " classpath nor downloaded (a CUDA flavour is downloaded from DJL's site: network needed)");
        }
        System.exit(0);
    }
}
