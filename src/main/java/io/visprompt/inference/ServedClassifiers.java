package io.visprompt.inference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.visprompt.config.Tenant;
import io.visprompt.model.ModelCatalog;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;
import io.visprompt.model.UploadedModelReleasing;
import io.visprompt.prompt.LearnedPrompt;
import io.visprompt.prompt.Prompts;
import io.visprompt.training.engine.PromptPlacement;
import io.visprompt.training.engine.PromptTemplate;
import io.visprompt.training.engine.PromptTensor;
import io.visprompt.training.engine.PromptedClassifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The classifiers being served, loaded on first use and shared by concurrent requests: a bounded cache by id
 * whose least recently used entries are closed once their queued requests are answered. The prompts they serve are
 * cached per tenant for {@code visprompt.inference.prompt-cache-ttl}, so a busy prompt costs no database or object
 * store round trip per request.
 */
@Component
class ServedClassifiers implements DisposableBean {

    /**
     * What to classify with: a learned prompt (or the same task without it) or a bare model.
     *
     * @param prompt null for the unprompted model
     */
    record Target(String key, String modelId, UUID promptId, PromptTensor prompt, List<String> classNames,
            int[] labelMapping, List<String> textTemplates) {

        boolean prompted() {
            return prompt != null;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(ServedClassifiers.class);
    /** At most as long as a request waits for its answer (Classification): the queued requests are answered first. */
    private static final Duration RELEASE_WAIT = Duration.ofSeconds(60);

    /** Prompt values and masks the prompt cache keeps at most: 128 MB, some fifty prompts at 224 px. */
    private static final long PROMPT_CACHE_FLOATS = 32L << 20;

    private final Prompts prompts;
    private final ModelCatalog models;
    private final InferenceProperties properties;
    private final DistributionSummary batchSizes;
    private final MeterRegistry meters;
    private final Map<String, DynamicBatcher> cache;
    private final PromptCache promptCache;
    /**
     * Uploaded models released in this process (ids are random UUIDs, never reused): a classifier built on one from a
     * lookup that raced the release is refused rather than served on a closed model.
     */
    private final Set<String> releasedModels = ConcurrentHashMap.newKeySet();

    ServedClassifiers(Prompts prompts, ModelCatalog models, InferenceProperties properties, MeterRegistry meters) {
        this.prompts = prompts;
        this.models = models;
        this.properties = properties;
        this.meters = meters;
        this.batchSizes = DistributionSummary.builder("visprompt.classify.batch.size")
                .description("Requests answered by one forward pass")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128).register(meters);
        this.promptCache = new PromptCache(properties.promptCacheTtl(), PROMPT_CACHE_FLOATS);
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, DynamicBatcher> eldest) {
                if (size() > properties.cachedPrompts()) {
                    eldest.getValue().close();
                    return true;
                }
                return false;
            }
        };
    }

    /**
     * A learned prompt's task, with the prompt or (for comparison) without it; another tenant's prompt is not found.
     * Found prompts are cached by tenant and id for the prompt cache's time to live (a prompt is never changed, only
     * removed: a removed one, or one whose model was deleted, stops classifying within that time); a prompt not found
     * is looked up again every time.
     */
    Target forPrompt(Tenant tenant, UUID promptId, boolean prompted) {
        PromptCache.Task task = promptCache.get(tenant, promptId, () -> {
            LearnedPrompt prompt = prompts.find(tenant, promptId)
                    .orElseThrow(() -> ClassificationRefused.promptNotFound(promptId));
            // the prompt's model may have been deleted (here or by another process): the lookup releases it here
            if (models.find(prompt.modelId()).isEmpty()) {
                throw ClassificationRefused.modelNotFound(prompt.modelId());
            }
            return task(prompt);
        });
        return prompted ? task.prompted() : task.unprompted();
    }

    /** Forgets a prompt at once in this process (other processes within the prompt cache's time to live). */
    void forgetPrompt(UUID promptId) {
        promptCache.forget(promptId);
    }

    private static PromptCache.Task task(LearnedPrompt p) {
        PromptTensor tensor = new PromptTensor(PromptTemplate.fromWire(p.template()), p.size(),
                PromptPlacement.fromWire(p.placement()), p.height(), p.width(), p.values(), p.mask());
        List<String> templates = p.textTemplates() == null ? List.of() : p.textTemplates();
        return new PromptCache.Task(
                new Target("prompt:" + p.id(), p.modelId(), p.id(), tensor, p.classNames(), p.labelMapping(), templates),
                new Target("unprompted:" + p.id(), p.modelId(), p.id(), null, p.classNames(), p.labelMapping(), templates),
                2L * tensor.values().length);
    }

    /** A bare model: a classifier over its own labels, or CLIP over the given class names. */
    Target forModel(Tenant tenant, String modelId, List<String> classNames) {
        ModelDescriptor model = models.find(tenant, modelId).orElseThrow(() -> ClassificationRefused.modelNotFound(modelId));
        List<String> classes = classNames;
        if (model.kind() == ModelKind.CLASSIFIER) {
            if (classes == null || classes.isEmpty()) {
                if (model.labels() == null || model.labels().isEmpty()) {
                    throw ClassificationRefused.invalidField("class_names", "model " + modelId + " has no labels; name the classes");
                }
                classes = model.labels();
            } else if (model.labels() != null && !model.labels().isEmpty() && classes.size() > model.labels().size()) {
                // class i names the model's output i: there is no output for the names beyond the model's own
                throw ClassificationRefused.invalidField("class_names", classes.size() + " class names for model "
                        + modelId + ", which has " + model.labels().size() + " outputs");
            }
        } else if (classes == null || classes.size() < 2) {
            throw ClassificationRefused.invalidField("class_names", "a CLIP model needs at least two class names");
        }
        return new Target("model:" + modelId + ":" + String.join("\u0000", classes), modelId, null, null,
                List.copyOf(classes), null, List.of());
    }

    /**
     * The batcher serving {@code target}, loading its classifier on first use. The load (a cold model, CLIP's text
     * features) runs outside this object's lock, so it never stalls requests for classifiers already served; two
     * first requests for one target may both build one, and the loser closes its copy.
     */
    DynamicBatcher batcher(Target target) {
        synchronized (this) {
            DynamicBatcher served = cache.get(target.key());
            if (served != null) {
                return served;
            }
        }
        PromptedClassifier classifier;
        try {
            classifier = new PromptedClassifier(models.load(target.modelId()), target.prompt(), target.classNames(),
                    target.labelMapping(), target.textTemplates());
        } catch (IllegalArgumentException e) {
            throw ClassificationRefused.notServable(e.getMessage());
        } catch (RuntimeException e) {
            // CLIP encodes its class names while the classifier is built: on a model released meanwhile that fails
            if (releasedModels.contains(target.modelId())) {
                throw ClassificationRefused.modelNotFound(target.modelId());
            }
            throw e;
        }
        synchronized (this) {
            if (releasedModels.contains(target.modelId())) {
                classifier.close();
                throw ClassificationRefused.modelNotFound(target.modelId());
            }
            DynamicBatcher served = cache.get(target.key());
            if (served != null) {
                classifier.close();
                return served;
            }
            DynamicBatcher batcher = new DynamicBatcher(classifier, target.modelId(), properties.maxBatchSize(),
                    properties.maxBatchWait(), Integer.toHexString(target.key().hashCode()), this::recordPass);
            cache.put(target.key(), batcher);
            return batcher;
        }
    }

    /**
     * An uploaded model is being closed (its row is gone): every classifier on it is dropped, and this returns once
     * their queued requests are answered, so no forward pass runs on the closed model. The next request for it loads
     * again and finds no model (404 {@code model_not_found}).
     */
    @EventListener
    void release(UploadedModelReleasing released) {
        List<DynamicBatcher> closing = new ArrayList<>();
        synchronized (this) {
            releasedModels.add(released.modelId());
            for (Iterator<DynamicBatcher> served = cache.values().iterator(); served.hasNext(); ) {
                DynamicBatcher batcher = served.next();
                if (batcher.modelId().equals(released.modelId())) {
                    served.remove();
                    closing.add(batcher);
                }
            }
        }
        for (DynamicBatcher batcher : closing) {
            batcher.close();
            try {
                if (!batcher.awaitClosed(RELEASE_WAIT)) {
                    log.warn("A classifier on model {} still ran after {}; the model is closed anyway",
                            released.modelId(), RELEASE_WAIT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void recordPass(int batchSize, int threads) {
        batchSizes.record(batchSize);
        meters.counter("visprompt.classify.forward.passes", "threads", threads == 1 ? "one" : "all").increment();
    }

    /** Drops a batcher that reported itself closing, so the next call loads a fresh one. */
    synchronized void evict(Target target, DynamicBatcher closing) {
        cache.remove(target.key(), closing);
    }

    @Override
    public synchronized void destroy() {
        cache.values().forEach(DynamicBatcher::close);
        cache.clear();
    }
}
