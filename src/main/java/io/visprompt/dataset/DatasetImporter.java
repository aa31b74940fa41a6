package io.visprompt.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.visprompt.config.DomainException;
import io.visprompt.config.Tenant;
import io.visprompt.dataset.internal.Corruption;
import io.visprompt.dataset.internal.DatasetClass;
import io.visprompt.dataset.internal.DatasetEntity;
import io.visprompt.dataset.internal.DatasetIds;
import io.visprompt.dataset.internal.DatasetRepository;
import io.visprompt.dataset.internal.DatasetStorage;
import io.visprompt.dataset.internal.ImageEntity;
import io.visprompt.dataset.internal.IncompleteDatasetFiles;
import io.visprompt.dataset.internal.ImageFolderImport;
import io.visprompt.dataset.internal.ImageFolderImport.ImportedDataset;
import io.visprompt.dataset.internal.ImageFolderImport.ImportedImage;
import io.visprompt.dataset.internal.ImageRepository;
import io.visprompt.dataset.internal.RejectedFileEntry;
import io.visprompt.dataset.internal.SeededSplit;
import io.visprompt.dataset.internal.UploadRejected;
import io.visprompt.dataset.internal.UploadRejected.Reason;
import io.visprompt.security.QuotaExceeded;
import io.visprompt.security.Quotas;
import jakarta.persistence.EntityManager;
import org.hibernate.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.multipart.MultipartFile;

/**
 * Turns an upload into a published dataset, all or nothing: images are prepared in a work directory under the
 * storage root, the rows are inserted in one transaction, and the directory is moved into place inside that
 * transaction just before it commits. Any failure deletes the work directory; existing datasets are never touched.
 * The tenant's dataset-bytes quota is checked before the archive is read and again, under a per-tenant lock, with
 * the stored size just before publishing: a refused upload stores nothing.
 */
@Component
class DatasetImporter {

    private static final Logger log = LoggerFactory.getLogger(DatasetImporter.class);

    private static final int INSERT_BATCH = 500;

    private final ImageFolderImport imageFolderImport;
    private final DatasetStorage storage;
    private final DatasetRepository datasets;
    private final ImageRepository images;
    private final EntityManager entityManager;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final MeterRegistry registry;
    private final DatasetProperties properties;
    private final Quotas quotas;
    private final DatasetFiles files;

    DatasetImporter(ImageFolderImport imageFolderImport, DatasetStorage storage, DatasetRepository datasets,
            ImageRepository images, EntityManager entityManager, PlatformTransactionManager transactionManager,
            Clock clock, MeterRegistry registry, DatasetProperties properties, Quotas quotas,
            DatasetFiles files) {
        this.imageFolderImport = imageFolderImport;
        this.storage = storage;
        this.datasets = datasets;
        this.images = images;
        this.entityManager = entityManager;
        this.transaction = new TransactionTemplate(transactionManager);
        this.clock = clock;
        this.registry = registry;
        this.properties = properties;
        this.quotas = quotas;
        this.files = files;
    }

    DatasetResponse importArchive(Tenant tenant, MultipartFile file, String name, SeededSplit split) {
        Timer.Sample sample = Timer.start(registry);
        DistributionSummary.builder("visprompt.dataset.upload.size").baseUnit("bytes")
                .description("Bytes of uploaded dataset archives").register(registry).record(file.getSize());
        String outcome = "error";
        try {
            DatasetResponse response = importChecked(tenant, file, name, split);
            outcome = "success";
            return response;
        } catch (UploadRejected rejected) {
            outcome = rejected.reason().code();
            throw DatasetRefused.upload(rejected);
        } catch (DomainException refused) { // the quota, lost files
            outcome = refused.code();
            throw refused;
        } finally {
            Counter.builder("visprompt.dataset.uploads").tag("outcome", outcome)
                    .description("Dataset uploads by outcome (success or the problem code)").register(registry).increment();
            sample.stop(Timer.builder("visprompt.dataset.upload.duration").tag("outcome", outcome)
                    .description("Time to validate, store and publish an uploaded dataset").register(registry));
        }
    }

    private DatasetResponse importChecked(Tenant tenant, MultipartFile file, String name, SeededSplit split) {
        long maxUpload = properties.maxUploadSize().toBytes();
        if (file.getSize() > maxUpload) {
            // The multipart layer measured the received bytes; the archive reader counts them again as it reads.
            throw new UploadRejected(Reason.UPLOAD_TOO_LARGE, "The upload is larger than " + maxUpload + " bytes")
                    .with("max_upload_bytes", maxUpload);
        }
        long quota = quotas.of(tenant).datasetBytes().toBytes();
        long used = datasets.storedBytes(tenant.id());
        if (used >= quota) { // full already: do not even read the archive
            throw quotaExceeded(quota, used, 0);
        }
        UUID id = DatasetIds.next(clock);
        Path work = storage.newWorkDirectory(id);
        try {
            ImportedDataset imported;
            try (InputStream upload = file.getInputStream()) {
                imported = imageFolderImport.run(upload, work, split);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            DatasetEntity dataset = entity(id, tenant, name, imported);
            publish(dataset, imported.images(), work, quota);
            return DatasetResponse.stored(dataset);
        } finally {
            storage.deleteQuietly(work);
        }
    }

    /**
     * A corrupted copy of a stored dataset (ImageNet-C), published like an upload: the same classes, splits and
     * image order, each image corrupted with a seed of its own drawn from {@code seed}, its split and position, so
     * the copy is the same on every run. Counts against the tenant's dataset-bytes quota like an upload.
     */
    DatasetResponse derive(Tenant tenant, UUID sourceId, String name, Corruption corruption, Corruption.Table table,
            int severity, long seed) {
        // the classes are a lazy collection: read them while the entity is attached
        DatasetEntity source = transaction.execute(status -> datasets.findByIdAndTenant(sourceId, tenant.id())
                .map(found -> {
                    List.copyOf(found.classes());
                    return found;
                }).orElse(null));
        if (source == null) {
            throw DatasetRefused.notFound(sourceId);
        }
        long quota = quotas.of(tenant).datasetBytes().toBytes();
        long used = datasets.storedBytes(tenant.id());
        if (used >= quota) {
            throw quotaExceeded(quota, used, 0);
        }
        UUID id = DatasetIds.next(clock);
        Path work = storage.newWorkDirectory(id);
        try {
            List<ImportedImage> derived = new ArrayList<>();
            long total = 0;
            for (Split split : Split.values()) {
                for (ImageEntity image : images.findByDatasetIdAndSplitOrderByPosition(sourceId, split)) {
                    // from the object store where the source lives there (S3): no local copy of it is kept
                    java.awt.image.BufferedImage original = javax.imageio.ImageIO.read(
                            files.file(sourceId, image.filePath()).toFile());
                    if (original == null) {
                        throw new java.nio.file.NoSuchFileException(image.filePath());
                    }
                    long imageSeed = seed * 0x9E3779B97F4A7C15L + split.ordinal() * 1_000_000_007L + image.position();
                    java.awt.image.BufferedImage corrupted = corruption.apply(original, table, severity, imageSeed);
                    Path target = work.resolve(image.filePath());
                    java.nio.file.Files.createDirectories(target.getParent());
                    if (!javax.imageio.ImageIO.write(corrupted, "png", target.toFile())) {
                        throw new IllegalStateException("no PNG writer available");
                    }
                    long bytes = java.nio.file.Files.size(target);
                    total += bytes;
                    derived.add(new ImportedImage(split, image.position(), image.label(), image.filePath(),
                            corrupted.getWidth(), corrupted.getHeight(), bytes, image.sourcePath()));
                }
            }
            DatasetEntity dataset = new DatasetEntity(id, tenant.id(), name, source.splitMode(), source.valFraction(),
                    source.testFraction(), source.splitSeed(), 0, total,
                    clock.instant().truncatedTo(ChronoUnit.MICROS), source.classes(), List.of());
            publish(dataset, derived, work, quota);
            Counter.builder("visprompt.dataset.derived").tag("corruption", corruption.wireName())
                    .description("Datasets derived from stored ones by a corruption").register(registry).increment();
            return DatasetResponse.stored(dataset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            storage.deleteQuietly(work);
        }
    }

    private void publish(DatasetEntity dataset, List<ImportedImage> imported, Path work, long quota) {
        UUID id = dataset.getId();
        boolean[] published = {false};
        try {
            transaction.executeWithoutResult(status -> {
                datasets.lockTenantStorage(dataset.tenant());
                long used = datasets.storedBytes(dataset.tenant());
                if (used + dataset.totalBytes() > quota) {
                    throw quotaExceeded(quota, used, dataset.totalBytes());
                }
                entityManager.unwrap(Session.class).setJdbcBatchSize(INSERT_BATCH);
                datasets.save(dataset);
                datasets.flush(); // class rows first: images reference (dataset_id, label)
                images.saveAll(imported.stream().map(i -> new ImageEntity(id, i.split(), i.position(), i.label(),
                        i.filePath(), i.width(), i.height(), i.bytes(), i.sourcePath())).toList());
                images.flush();
                // Checked after the move and before the commit: a 201 means every listed file is on disk.
                storage.publish(work, id, imported.stream()
                        .collect(Collectors.toMap(ImportedImage::filePath, ImportedImage::bytes)));
                published[0] = true;
                files.published(id, imported.stream().map(ImportedImage::filePath)
                        .collect(Collectors.toCollection(java.util.LinkedHashSet::new)));
            });
        } catch (IncompleteDatasetFiles e) {
            log.error("Refused to publish dataset {}: {}", id, e.getMessage());
            throw DatasetRefused.filesMissing(e.missing().size(), e.listed());
        } catch (RuntimeException e) {
            if (published[0]) {
                files.delete(id); // the commit failed after the files were moved into place
            }
            throw e;
        }
    }

    private DatasetEntity entity(UUID id, Tenant tenant, String name, ImportedDataset imported) {
        List<String> classNames = imported.classNames();
        int[][] counts = new int[classNames.size()][Split.values().length];
        for (ImportedImage image : imported.images()) {
            counts[image.label()][image.split().ordinal()]++;
        }
        List<DatasetClass> classes = new ArrayList<>();
        for (int label = 0; label < classNames.size(); label++) {
            int[] c = counts[label];
            classes.add(new DatasetClass(classNames.get(label), c[Split.TRAIN.ordinal()], c[Split.VAL.ordinal()],
                    c[Split.TEST.ordinal()]));
        }
        return new DatasetEntity(id, tenant.id(), name,
                imported.explicitSplits() ? DatasetEntity.SPLIT_FOLDERS : DatasetEntity.SPLIT_SEEDED,
                imported.valFraction(), imported.testFraction(), imported.seed(), imported.archive().uploadBytes(),
                imported.totalBytes(), clock.instant().truncatedTo(ChronoUnit.MICROS), // what timestamptz keeps
                classes, imported.rejectedFiles().stream().map(r -> new RejectedFileEntry(r.path(), r.reason())).toList());
    }

    private static QuotaExceeded quotaExceeded(long quota, long used, long requested) {
        return new QuotaExceeded(DomainException.Kind.TOO_LARGE, "dataset_bytes", quota, used, requested == 0
                ? "The tenant's datasets already hold " + used + " bytes of its " + quota + "-byte quota; delete some"
                : "The dataset's " + requested + " bytes of images would take the tenant's datasets past its " + quota
                        + "-byte quota (" + used + " bytes used); nothing was stored")
                .with("requested", requested);
    }
}
