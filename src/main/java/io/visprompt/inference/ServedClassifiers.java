package io.visprompt.inference;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.visprompt.config.Tenant;
import io.visprompt.model.ModelCatalog;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;
import io.visprompt.prompt.LearnedPrompt;
import io.visprompt.prompt.Prompts;
import io.visprompt.training.engine.PromptPlacement;
import io.visprompt.training.engine.PromptTemplate;
import io.visprompt.training.engine.PromptTensor;
import io.visprompt.training.engine.PromptedClassifier;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The classifiers being served, loaded on first use and shared by concurrent requests: a bounded cache by id
 * whose least recently used entries are closed once their queued requests are answered. The prompts they serve are
 * cached per tenant for {@code visprompt.inference.prompt-cache-ttl}, so a busy prompt costs no database round trip
 * per request.
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

    /** Prompt values and masks the prompt cache keeps at most: 128 MB, some fifty prompts at 224 px. */
    private static final long PROMPT_CACHE_FLOATS = 32L << 20;

    private final Prompts prompts;
    private final ModelCatalog models;
    private final InferenceProperties properties;
    private final DistributionSummary batchSizes;
    private final MeterRegistry meters;
    private final Map<String, DynamicBatcher> cache;
    private final PromptCache promptCache;

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
     * removed: a removed one stops classifying within that time); a prompt not found is looked up again every time.
     */
    Target forPrompt(Tenant tenant, UUID promptId, boolean prompted) {
        PromptCache.Task task = promptCache.get(tenant, promptId, () -> prompts.find(tenant, promptId)
                .map(ServedClassifiers::task).orElseThrow(() -> ClassificationRefused.promptNotFound(promptId)));
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
        }
        synchronized (this) {
            DynamicBatcher served = cache.get(target.key());
            if (served != null) {
                classifier.close();
                return served;
            }
            DynamicBatcher batcher = new DynamicBatcher(classifier, properties.maxBatchSize(),
                    properties.maxBatchWait(), Integer.toHexString(target.key().hashCode()), this::recordPass);
            cache.put(target.key(), batcher);
            return batcher;
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
