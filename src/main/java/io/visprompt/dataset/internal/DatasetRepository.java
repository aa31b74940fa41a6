package io.visprompt.dataset.internal;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/**
 * Dataset rows. Ids are UUIDv7, so ordering by id is ordering by creation and a cursor survives deletions. Every
 * query a caller drives names the tenant: another tenant's dataset is not found.
 */
public interface DatasetRepository extends Repository<DatasetEntity, UUID> {

    DatasetEntity save(DatasetEntity dataset);

    void flush();

    Optional<DatasetEntity> findByIdAndTenant(UUID id, String tenant);

    boolean existsByIdAndTenant(UUID id, String tenant);

    List<DatasetEntity> findByTenantOrderByIdDesc(String tenant, Limit limit);

    List<DatasetEntity> findByTenantAndIdLessThanOrderByIdDesc(String tenant, UUID after, Limit limit);

    /** Bytes of stored images: what the dataset-bytes quota counts. */
    @Query("select coalesce(sum(d.totalBytes), 0) from DatasetEntity d where d.tenant = :tenant")
    long storedBytes(String tenant);

    /**
     * Serializes the tenant's publishes until the transaction ends (advisory lock class 1), so that two uploads
     * cannot both pass the quota check.
     */
    @Query(value = "SELECT 1 FROM pg_advisory_xact_lock(1, hashtext(:tenant))", nativeQuery = true)
    int lockTenantStorage(String tenant);

    /** Holds the row against deletion until the transaction ends (jobs being created for the dataset). */
    @Query(value = "SELECT CAST(id AS text) FROM datasets WHERE id = :id AND tenant = :tenant FOR SHARE", nativeQuery = true)
    Optional<String> lockForUse(UUID id, String tenant);

    /** Waits for jobs being created for the dataset, then holds it for the deletion. */
    @Query(value = "SELECT CAST(id AS text) FROM datasets WHERE id = :id AND tenant = :tenant FOR UPDATE", nativeQuery = true)
    Optional<String> lockForDelete(UUID id, String tenant);

    /** Classes, images and rejected files go with it (ON DELETE CASCADE). */
    @Modifying
    @Query("delete from DatasetEntity d where d.id = :id and d.tenant = :tenant")
    int deleteDataset(UUID id, String tenant);
}
