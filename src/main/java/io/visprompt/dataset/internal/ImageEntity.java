package io.visprompt.dataset.internal;

import java.util.Locale;
import java.util.UUID;

import io.visprompt.dataset.Split;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Convert;
import jakarta.persistence.Converter;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

/** One stored image of a dataset. */
@Entity
@Table(name = "dataset_images")
public class ImageEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "dataset_images_seq")
    @SequenceGenerator(name = "dataset_images_seq", sequenceName = "dataset_images_seq", allocationSize = 500)
    private Long id;

    private UUID datasetId;

    @Convert(converter = SplitColumn.class)
    private Split split;

    private int position;

    private int label;

    private String filePath;

    private int width;

    private int height;

    private long byteSize;

    private String sourcePath;

    protected ImageEntity() {
    }

    public ImageEntity(UUID datasetId, Split split, int position, int label, String filePath, int width, int height,
            long byteSize, String sourcePath) {
        this.datasetId = datasetId;
        this.split = split;
        this.position = position;
        this.label = label;
        this.filePath = filePath;
        this.width = width;
        this.height = height;
        this.byteSize = byteSize;
        this.sourcePath = sourcePath;
    }

    public Split split() {
        return split;
    }

    public int position() {
        return position;
    }

    public int label() {
        return label;
    }

    /** Relative to the dataset's storage directory. */
    public String filePath() {
        return filePath;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public String sourcePath() {
        return sourcePath;
    }

    /** Splits are stored by their wire names ({@code train}, {@code val}, {@code test}). */
    @Converter
    static class SplitColumn implements AttributeConverter<Split, String> {

        @Override
        public String convertToDatabaseColumn(Split split) {
            return split == null ? null : split.wireName();
        }

        @Override
        public Split convertToEntityAttribute(String column) {
            return column == null ? null : Split.valueOf(column.toUpperCase(Locale.ROOT));
        }
    }
}
