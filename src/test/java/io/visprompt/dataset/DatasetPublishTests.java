package io.visprompt.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.visprompt.config.DomainException;
import io.visprompt.config.Tenant;
import io.visprompt.dataset.internal.DatasetRepository;
import io.visprompt.dataset.internal.DatasetStorage;
import io.visprompt.dataset.internal.ImageFolderImport;
import io.visprompt.dataset.internal.ImageRepository;
import io.visprompt.dataset.internal.SeededSplit;
import io.visprompt.dataset.internal.TestArchives;
import io.visprompt.security.Quotas;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * A dataset is published only with every file it lists on disk. The file is lost at the moment the issue's
 * reproduction lost it: another party deletes it from the work directory while the publish step holds the tenant's
 * storage lock, after the images were prepared and before the rows commit.
 */
class DatasetPublishTests extends DatasetHttpTest {

    @Autowired ImageFolderImport imageFolderImport;
    @Autowired DatasetStorage storage;
    @Autowired DatasetRepository datasets;
    @Autowired ImageRepository images;
    @Autowired EntityManager entityManager;
    @Autowired PlatformTransactionManager transactionManager;
    @Autowired Clock clock;
    @Autowired MeterRegistry registry;
    @Autowired DatasetProperties properties;
    @Autowired Quotas quotas;
    @Autowired DatasetFiles files;

    @Test
    void refusesAndStoresNothingWhenAListedFileIsLostBeforePublishing() {
        AtomicReference<Path> lost = new AtomicReference<>();
        DatasetRepository losingAFile = (DatasetRepository) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DatasetRepository.class}, (proxy, method, args) -> {
                    if (method.getName().equals("lockTenantStorage")) {
                        lost.set(deleteOnePreparedImage());
                    }
                    try {
                        return method.invoke(datasets, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        DatasetImporter importer = new DatasetImporter(imageFolderImport, storage, losingAFile, images, entityManager,
                transactionManager, clock, registry, properties, quotas, files);
        TestArchives archive = TestArchives.zip();
        imageFolder(3, "cats", "dogs").forEach(archive::file);
        MockMultipartFile file = new MockMultipartFile("file", "lossy.zip", "application/zip", archive.bytes());
        // its rows are found by this unique name (whole-table counts would also count other contexts' uploads on a
        // shared database); an image row needs its dataset's row (through dataset_classes)
        String name = "lossy-" + UUID.randomUUID();
        Map<String, String> filesBefore = storedFiles();

        DatasetRefused refused = catchThrowableOfType(DatasetRefused.class,
                () -> importer.importArchive(Tenant.DEFAULT, file, name, new SeededSplit(0.2, 0.2, 1)));

        assertThat(lost.get()).as("a prepared image was deleted").isNotNull().doesNotExist();
        assertThat(refused).as("no dataset may be published without its files").isNotNull();
        assertThat(refused.kind()).isEqualTo(DomainException.Kind.INTERNAL);
        assertThat(refused.code()).isEqualTo("dataset_files_missing");
        assertThat(refused.properties()).containsEntry("missing_files", 1).containsEntry("files", 6);
        assertThat(jdbc.sql("select count(*) from datasets where name = ?").param(name).query(Long.class).single())
                .isZero();
        assertThat(jdbc.sql("""
                select count(*) from dataset_images i join datasets d on d.id = i.dataset_id where d.name = ?
                """).param(name).query(Long.class).single()).isZero();
        assertThat(storedFiles()).isEqualTo(filesBefore);
    }

    /** The first prepared image found under {@code .incoming/}, deleted. */
    private static Path deleteOnePreparedImage() {
        try (Stream<Path> files = Files.walk(STORAGE.resolve(".incoming"))) {
            Path image = files.filter(f -> f.toString().endsWith(".png") && f.toString().contains("train"))
                    .findFirst().orElseThrow();
            Files.delete(image);
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
