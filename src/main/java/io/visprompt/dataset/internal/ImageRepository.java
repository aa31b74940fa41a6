package io.visprompt.dataset.internal;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.visprompt.dataset.Split;
import org.springframework.data.repository.Repository;

public interface ImageRepository extends Repository<ImageEntity, Long> {

    <S extends ImageEntity> List<S> saveAll(Iterable<S> images);

    void flush();

    List<ImageEntity> findByDatasetIdAndSplitOrderByPosition(UUID datasetId, Split split);

    /** One image by the unique key (dataset_id, split, position). */
    Optional<ImageEntity> findByDatasetIdAndSplitAndPosition(UUID datasetId, Split split, int position);
}
