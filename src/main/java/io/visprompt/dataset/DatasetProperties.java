package io.visprompt.dataset;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Dataset storage and upload limits ({@code visprompt.datasets.*}). Every limit is checked on bytes as they are
 * read, never on sizes an archive declares.
 *
 * @param storageDir          where published datasets live (one folder per dataset) and uploads are prepared
 * @param maxUploadSize       the archive as uploaded (413 upload_too_large); spring.servlet.multipart limits are
 *                            the outer bound
 * @param maxEntries          archive entries of any kind (413 archive_too_large)
 * @param maxUncompressedSize bytes after decompression (413 archive_too_large)
 * @param maxCompressionRatio decompressed bytes per uploaded byte, checked past 1 MiB (400 zip_bomb)
 * @param maxImageSize        one file's bytes; a larger file is listed as file_too_large
 * @param maxImagePixels      width x height read from the image header before decoding; a larger image is listed as
 *                            image_too_large
 * @param defaultValFraction  share of each class moved to val when the upload names none
 * @param defaultTestFraction share of each class moved to test when the upload names none
 * @param splitSeed           seed of the deterministic per-class split
 */
@ConfigurationProperties("visprompt.datasets")
record DatasetProperties(
        @DefaultValue("./data/datasets") Path storageDir,
        @DefaultValue("1GB") DataSize maxUploadSize,
        @DefaultValue("200000") int maxEntries,
        @DefaultValue("8GB") DataSize maxUncompressedSize,
        @DefaultValue("100") int maxCompressionRatio,
        @DefaultValue("64MB") DataSize maxImageSize,
        @DefaultValue("25000000") long maxImagePixels,
        @DefaultValue("0.1") double defaultValFraction,
        @DefaultValue("0.1") double defaultTestFraction,
        @DefaultValue("0") long splitSeed) {

    DatasetProperties {
        if (maxUploadSize.toBytes() <= 0 || maxEntries <= 0 || maxUncompressedSize.toBytes() <= 0
                || maxCompressionRatio <= 0 || maxImagePixels <= 0) {
            throw new IllegalArgumentException("visprompt.datasets limits must be positive");
        }
        if (maxImageSize.toBytes() <= 0 || maxImageSize.toBytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("visprompt.datasets.max-image-size must be between 1 byte and 2 GB");
        }
        if (!(defaultValFraction >= 0 && defaultTestFraction >= 0 && defaultValFraction + defaultTestFraction < 1)) {
            throw new IllegalArgumentException(
                    "visprompt.datasets.default-val-fraction and default-test-fraction must be >= 0 and sum below 1");
        }
    }
}
