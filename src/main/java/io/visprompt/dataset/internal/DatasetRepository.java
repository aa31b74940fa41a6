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

    /** Classes, images and rejected files go with it (ON DELETE CASCADE). */
    @Modifying
    @Query("delete from DatasetEntity d where d.id = :id")
    int deleteDataset(UUID id);
}
