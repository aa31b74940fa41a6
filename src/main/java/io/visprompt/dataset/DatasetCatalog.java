package io.visprompt.dataset;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.visprompt.config.ApiProblem;
import io.visprompt.config.Tenant;
import io.visprompt.dataset.internal.DatasetClass;
import io.visprompt.dataset.internal.DatasetEntity;
import io.visprompt.dataset.internal.DatasetRepository;
import io.visprompt.dataset.internal.DatasetStorage;
import io.visprompt.dataset.internal.ImageRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/** Stored datasets: what other modules read through {@link Datasets}, and what the API lists and deletes. */
@Component
class DatasetCatalog implements Datasets {

    private final DatasetRepository datasets;
    private final ImageRepository images;
    private final DatasetStorage storage;
    private final ObjectProvider<DatasetUsage> usages;
    private final TransactionTemplate transaction;

    DatasetCatalog(DatasetRepository datasets, ImageRepository images, DatasetStorage storage,
            ObjectProvider<DatasetUsage> usages, PlatformTransactionManager transactionManager) {
        this.datasets = datasets;
        this.images = images;
        this.storage = storage;
        this.usages = usages;
        this.transaction = new TransactionTemplate(transactionManager);
    }

    @Override
    @Transactional(readOnly = true)
    public Optional<DatasetSummary> find(Tenant tenant, UUID id) {
        return datasets.findByIdAndTenant(id, tenant.id()).map(DatasetCatalog::summary);
    }

    private static DatasetSummary summary(DatasetEntity dataset) {
        List<DatasetClass> classes = dataset.classes();
        Map<Split, Integer> counts = new EnumMap<>(Split.class);
        counts.put(Split.TRAIN, classes.stream().mapToInt(DatasetClass::trainCount).sum());
        counts.put(Split.VAL, classes.stream().mapToInt(DatasetClass::valCount).sum());
        counts.put(Split.TEST, classes.stream().mapToInt(DatasetClass::testCount).sum());
        return new DatasetSummary(dataset.getId(), dataset.name(), classes.stream().map(DatasetClass::name).toList(),
                counts, ValidationSplit.of(dataset.splitMode(), dataset.valFraction(), counts.get(Split.VAL)));
    }

    /** Ordered by label, then by path inside the uploaded archive; empty for an unknown dataset. */
    @Override
    @Transactional(readOnly = true)
    public List<DatasetImage> images(Tenant tenant, UUID id, Split split) {
        if (!datasets.existsByIdAndTenant(id, tenant.id())) {
            return List.of();
        }
        Path directory = storage.directory(id);
        return images.findByDatasetIdAndSplitOrderByPosition(id, split).stream()
                .map(image -> new DatasetImage(directory.resolve(image.filePath()), image.label(), image.split()))
                .toList();
    }

    @Transactional(readOnly = true)
    public DatasetResponse details(Tenant tenant, UUID id) {
        return datasets.findByIdAndTenant(id, tenant.id()).map(d -> DatasetResponse.of(d, true))
                .orElseThrow(() -> ApiProblem.notFound("dataset", id));
    }

    @Transactional(readOnly = true)
    public DatasetPage page(Tenant tenant, UUID after, int limit) {
        Limit fetch = Limit.of(limit + 1);
        List<DatasetEntity> rows = after == null ? datasets.findByTenantOrderByIdDesc(tenant.id(), fetch)
                : datasets.findByTenantAndIdLessThanOrderByIdDesc(tenant.id(), after, fetch);
        boolean hasMore = rows.size() > limit;
        return new DatasetPage(rows.stream().limit(limit).map(d -> DatasetResponse.of(d, false)).toList(), hasMore);
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public Optional<DatasetSummary> reserve(Tenant tenant, UUID id) {
        return datasets.lockForUse(id, tenant.id()).flatMap(locked -> find(tenant, id));
    }

    /**
     * Refused with 409 while any {@link DatasetUsage} (a training job, say) still needs the dataset. The row is
     * locked first, so a job being created for it at the same moment either commits before the check (and is
     * seen) or waits and then finds the dataset gone. Another tenant's dataset is not found (checked before the
     * usage, which would tell that it exists). Rows go first; the files follow once no row points at them.
     */
    public void delete(Tenant tenant, UUID id) {
        Integer deleted = transaction.execute(status -> {
            if (datasets.lockForDelete(id, tenant.id()).isEmpty()) {
                return 0;
            }
            if (usages.orderedStream().anyMatch(usage -> usage.isInUse(id))) {
                throw ApiProblem.conflict("dataset_in_use", "Dataset " + id + " is used by a training job; "
                        + "cancel or wait for the job before deleting it");
            }
            return datasets.deleteDataset(id, tenant.id());
        });
        if (deleted == null || deleted == 0) {
            throw ApiProblem.notFound("dataset", id);
        }
        storage.delete(id);
    }
}
