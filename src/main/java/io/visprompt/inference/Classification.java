package io.visprompt.inference;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.visprompt.config.DomainException.Kind;
import io.visprompt.dataset.ImageRejected;
import io.visprompt.dataset.RgbImages;
import org.springframework.stereotype.Service;

/** Classifies images: decoded as at upload, prepared as in training, answered through a dynamic batch. */
@Service
class Classification {

    record Prediction(String label, int index, float probability) {
    }

    record Result(List<Prediction> predictions, float[] probabilities, int batchSize) {
    }

    private final ServedClassifiers classifiers;
    private final InferenceProperties properties;
    private final MeterRegistry meters;
    private final ClassifyPhases phases;

    Classification(ServedClassifiers classifiers, InferenceProperties properties, MeterRegistry meters,
            ClassifyPhases phases) {
        this.classifiers = classifiers;
        this.properties = properties;
        this.meters = meters;
        this.phases = phases;
    }

    /** Decodes image bytes as the dataset upload does; bad bytes are the client's problem, with a stable code. */
    BufferedImage decode(byte[] bytes, String field) {
        if (bytes == null || bytes.length == 0) {
            throw ClassificationRefused.invalidField(field, "no image bytes");
        }
        if (bytes.length > properties.maxImageSize().toBytes()) {
            throw ClassificationRefused.image(Kind.TOO_LARGE, "image_too_large",
                    "The image is larger than " + properties.maxImageSize());
        }
        long start = System.nanoTime();
        try {
            BufferedImage image = RgbImages.decode(bytes, properties.maxImagePixels());
            phases.since(ClassifyPhases.DECODE, start);
            return image;
        } catch (ImageRejected e) {
            Kind kind = RgbImages.TOO_LARGE.equals(e.reason()) ? Kind.TOO_LARGE
                    : RgbImages.UNSUPPORTED_FORMAT.equals(e.reason()) ? Kind.UNSUPPORTED_FORMAT : Kind.INVALID;
            throw ClassificationRefused.image(kind, e.reason(), field + ": " + e.getMessage());
        }
    }

    Result classify(ServedClassifiers.Target target, BufferedImage image, int topK) {
        return classifyPrepared(target, List.of(image), null, topK).get(0);
    }

    /**
     * Classifies decoded images, or pixels already at the model's input size ({@code [H*W*3]} in [0,1], channels
     * last) when {@code images} is null.
     */
    List<Result> classifyPrepared(ServedClassifiers.Target target, List<BufferedImage> images, List<float[]> pixels,
            int topK) {
        Timer.Sample sample = Timer.start(meters);
        List<CompletableFuture<DynamicBatcher.Answer>> answers = new ArrayList<>();
        int count = images != null ? images.size() : pixels.size();
        for (int i = 0; i < count; i++) {
            answers.add(submit(target, images != null ? images.get(i) : null, pixels != null ? pixels.get(i) : null));
        }
        List<Result> results = new ArrayList<>();
        for (CompletableFuture<DynamicBatcher.Answer> answer : answers) {
            DynamicBatcher.Answer a = await(answer);
            phases.record(ClassifyPhases.BATCH_WAIT, a.waitNanos());
            phases.record(ClassifyPhases.FORWARD, a.forwardNanos());
            long start = System.nanoTime();
            results.add(new Result(top(target.classNames(), a.probabilities(), topK), a.probabilities(), a.batchSize()));
            phases.since(ClassifyPhases.TOP_K, start);
        }
        sample.stop(meters.timer("visprompt.classify.latency", "prompted", String.valueOf(target.prompted())));
        return results;
    }

    int inputSize(ServedClassifiers.Target target) {
        return classifiers.batcher(target).classifier().inputSize();
    }

    private CompletableFuture<DynamicBatcher.Answer> submit(ServedClassifiers.Target target, BufferedImage image,
            float[] pixels) {
        for (int attempt = 0; attempt < 3; attempt++) {
            DynamicBatcher batcher = classifiers.batcher(target);
            long start = System.nanoTime();
            float[] prepared = image != null ? batcher.classifier().prepare(image) : pixels;
            phases.since(ClassifyPhases.PREPARE, start);
            Optional<CompletableFuture<DynamicBatcher.Answer>> answer = batcher.submit(prepared);
            if (answer.isPresent()) {
                return answer.get();
            }
            classifiers.evict(target, batcher);
        }
        throw ClassificationRefused.unavailable("classifier_unavailable", "Try again");
    }

    private static DynamicBatcher.Answer await(CompletableFuture<DynamicBatcher.Answer> answer) {
        try {
            return answer.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ClassificationRefused.unavailable("classifier_unavailable", "Interrupted");
        } catch (TimeoutException e) {
            throw ClassificationRefused.unavailable("classifier_busy", "No answer within 60 s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException bad) {
                throw ClassificationRefused.invalidInput(bad.getMessage());
            }
            throw new IllegalStateException("Classification failed", e.getCause());
        }
    }

    private static List<Prediction> top(List<String> classes, float[] probabilities, int k) {
        return IntStream.range(0, probabilities.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> probabilities[i]).reversed())
                .limit(Math.max(1, Math.min(k, probabilities.length)))
                .map(i -> new Prediction(classes.get(i), i, probabilities[i])).toList();
    }
}
