package io.visprompt.training;

import java.util.UUID;

import io.visprompt.dataset.DatasetUsage;
import org.springframework.stereotype.Component;

/** A dataset is in use while a job that is not finished refers to it. */
@Component
class JobDatasetUsage implements DatasetUsage {

    private final JobQueue queue;

    JobDatasetUsage(JobQueue queue) {
        this.queue = queue;
    }

    @Override
    public boolean isInUse(UUID datasetId) {
        return queue.datasetInUse(datasetId);
    }
}
