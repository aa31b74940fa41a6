package io.visprompt.training;

import io.visprompt.model.ModelUsage;
import org.springframework.stereotype.Component;

/** A model is in use while a job that is not finished refers to it. */
@Component
class JobModelUsage implements ModelUsage {

    private final JobQueue queue;

    JobModelUsage(JobQueue queue) {
        this.queue = queue;
    }

    @Override
    public boolean isInUse(String modelId) {
        return queue.modelInUse(modelId);
    }
}
