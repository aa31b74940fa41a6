package io.visprompt.dataset.internal;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** Dataset rows. Ids are UUIDv7, so ordering by id is ordering by creation and a cursor survives deletions. */
public interface DatasetRepository extends Repository<DatasetEntity, UUID> {

    DatasetEntity save(DatasetEntity dataset);

    void flush();

    Optional<DatasetEntity> findById(UUID id);

    List<DatasetEntity> findAllByOrderByIdDesc(Limit limit);

    List<DatasetEntity> findByIdLessThanOrderByIdDesc(UUID after, Limit limit);

    /** Holds the row against deletion until the transaction ends (jobs being created for the dataset). */
    @Query(value = "SELECT CAST(id AS text) FROM datasets WHERE id = :id FOR SHARE", nativeQuery = true)
    Optional<String> lockForUse(UUID id);

    /** Waits for jobs being created for the dataset, then holds it for the deletion. */
    @Query(value = "SELECT CAST(id AS text) FROM datasets WHERE id = :id FOR UPDATE", nativeQuery = true)
    Optional<String> lockForDelete(UUID id);

    /** Classes, images and rejected files go with it (ON DELETE CASCADE). */
    @Modifying
    @Query("delete from DatasetEntity d where d.id = :id")
    int deleteDataset(UUID id);
}
