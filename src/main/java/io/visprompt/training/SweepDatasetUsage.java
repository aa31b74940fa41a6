package io.visprompt.training;

import java.util.UUID;

import io.visprompt.dataset.DatasetUsage;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** A running sweep still needs its dataset for the trials it has not submitted yet. */
@Component
class SweepDatasetUsage implements DatasetUsage {

    private final JdbcClient jdbc;

    SweepDatasetUsage(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public boolean isInUse(UUID datasetId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM sweeps WHERE dataset_id = :dataset AND status = 'running')")
                .param("dataset", datasetId).query(Boolean.class).single();
    }
}
