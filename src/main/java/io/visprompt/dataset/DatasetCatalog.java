package io.visprompt.dataset;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.visprompt.config.CursorPage;
import io.visprompt.config.Tenant;
import io.visprompt.dataset.DatasetResponse.RejectedFile;
import io.visprompt.dataset.internal.DatasetClass;
import io.visprompt.dataset.internal.DatasetEntity;
import io.visprompt.dataset.internal.DatasetRepository;
import io.visprompt.dataset.internal.DatasetStorage;
import io.visprompt.dataset.internal.ImageEntity;
import io.visprompt.dataset.internal.ImageRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.data.domain.Limit;
import org.springframework.jdbc.core.simple.JdbcClient;
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
    private final ObjectProvider<DatasetUsage> usages;
    private final TransactionTemplate transaction;
    private final JdbcClient jdbc;
    private final DatasetFiles files;

    DatasetCatalog(DatasetRepository datasets, ImageRepository images, ObjectProvider<DatasetUsage> usages,
            PlatformTransactionManager transactionManager, JdbcClient jdbc, DatasetFiles files) {
        this.jdbc = jdbc;
        this.files = files;
        this.datasets = datasets;
        this.images = images;
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
    public List<DatasetImage> images(Tenant tenant, UUID id, Split split) {
        // rows in a short transaction; files (maybe downloaded from the object store) outside it
        List<ImageEntity> rows = transaction.execute(status -> datasets.existsByIdAndTenant(id, tenant.id())
                ? images.findByDatasetIdAndSplitOrderByPosition(id, split) : List.<ImageEntity>of());
        return rows.stream()
                .map(image -> new DatasetImage(files.file(id, image.filePath()), image.label(), image.split()))
                .toList();
    }

    /**
     * The n-th (from 0) stored image of a class, its train images first, then val and test; empty when there is no
     * such image. Within a split, positions run through the classes in label order (see {@code ImageFolderImport}),
     * so the class counts give the position and one row is read by its unique key.
     */
    @Transactional(readOnly = true)
    public Optional<Path> classImage(Tenant tenant, UUID id, int label, int n) {
        DatasetEntity dataset = datasets.findByIdAndTenant(id, tenant.id())
                .orElseThrow(() -> DatasetRefused.notFound(id));
        List<DatasetClass> classes = dataset.classes();
        if (label < 0 || label >= classes.size() || n < 0) {
            return Optional.empty();
        }
        int index = n;
        for (Split split : Split.values()) {
            int inClass = count(classes.get(label), split);
            if (index < inClass) {
                int position = classes.subList(0, label).stream().mapToInt(c -> count(c, split)).sum() + index;
                return images.findByDatasetIdAndSplitAndPosition(id, split, position)
                        .filter(image -> image.label() == label)
                        .map(image -> files.file(id, image.filePath()));
            }
            index -= inClass;
        }
        return Optional.empty();
    }

    private static int count(DatasetClass c, Split split) {
        return switch (split) {
            case TRAIN -> c.trainCount();
            case VAL -> c.valCount();
            case TEST -> c.testCount();
        };
    }

    /** The dataset with its first rejected files; the rejected-files rows beyond them are not read. */
    @Transactional(readOnly = true)
    public DatasetResponse details(Tenant tenant, UUID id) {
        DatasetEntity dataset = datasets.findByIdAndTenant(id, tenant.id())
                .orElseThrow(() -> DatasetRefused.notFound(id));
        List<RejectedFile> first = rejectedFiles(id, -1, DatasetResponse.REJECTED_FILES_SHOWN).stream()
                .map(PositionedRejectedFile::file).toList();
        return DatasetResponse.of(dataset, first, rejectedCounts(List.of(id)).getOrDefault(id, 0));
    }

    /** The files of the dataset's archive that were not imported, in archive order; 404 for an unknown dataset. */
    @Transactional(readOnly = true)
    public CursorPage<RejectedFile> rejectedFilesPage(Tenant tenant, UUID id, CursorPage.Request<Long> request) {
        if (!datasets.existsByIdAndTenant(id, tenant.id())) {
            throw DatasetRefused.notFound(id);
        }
        long after = request.after() == null ? -1 : request.after();
        return request.page(rejectedFiles(id, after, request.fetchSize()), PositionedRejectedFile::position)
                .map(PositionedRejectedFile::file);
    }

    private record PositionedRejectedFile(long position, RejectedFile file) {
    }

    private List<PositionedRejectedFile> rejectedFiles(UUID id, long afterPosition, int limit) {
        return jdbc.sql("""
                SELECT position, path, reason FROM dataset_rejected_files
                 WHERE dataset_id = :id AND position > :after ORDER BY position LIMIT :limit
                """).param("id", id).param("after", afterPosition).param("limit", limit)
                .query((rs, row) -> new PositionedRejectedFile(rs.getLong("position"),
                        new RejectedFile(rs.getString("path"), rs.getString("reason"))))
                .list();
    }

    /** Counted in the database: the rejected-files rows themselves are never loaded for this. */
    private Map<UUID, Integer> rejectedCounts(List<UUID> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        Map<UUID, Integer> counts = new HashMap<>();
        jdbc.sql("""
                SELECT dataset_id, count(*) AS n FROM dataset_rejected_files WHERE dataset_id IN (:ids)
                 GROUP BY dataset_id
                """).param("ids", ids)
                .query((rs, row) -> counts.put(rs.getObject("dataset_id", UUID.class), rs.getInt("n"))).list();
        return counts;
    }

    @Transactional(readOnly = true)
    /** Newest first; ids are UUIDv7, so a cursor is a position in time and survives the deletion of its dataset. */
    public CursorPage<DatasetResponse> page(Tenant tenant, CursorPage.Request<UUID> request) {
        Limit fetch = Limit.of(request.fetchSize());
        List<DatasetEntity> rows = request.after() == null ? datasets.findByTenantOrderByIdDesc(tenant.id(), fetch)
                : datasets.findByTenantAndIdLessThanOrderByIdDesc(tenant.id(), request.after(), fetch);
        CursorPage<DatasetEntity> page = request.page(rows, DatasetEntity::getId);
        Map<UUID, Integer> rejected = rejectedCounts(page.data().stream().map(DatasetEntity::getId).toList());
        return page.map(d -> DatasetResponse.of(d, null, rejected.getOrDefault(d.getId(), 0)));
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
                throw DatasetRefused.inUse(id);
            }
            return datasets.deleteDataset(id, tenant.id());
        });
        if (deleted == null || deleted == 0) {
            throw DatasetRefused.notFound(id);
        }
        files.delete(id);
    }
}
