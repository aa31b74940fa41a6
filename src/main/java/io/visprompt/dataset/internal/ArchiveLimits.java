package io.visprompt.dataset.internal;

/**
 * What one upload may cost, checked on the bytes actually read (sizes declared in archive headers are never
 * trusted).
 *
 * @param maxUploadBytes       bytes of the archive as uploaded
 * @param maxEntries           archive entries of any kind, directories and ignored files included
 * @param maxExpandedBytes     bytes produced by decompression (entry contents; for tar also its headers)
 * @param maxCompressionRatio  expanded bytes per uploaded byte, checked once more than {@link #RATIO_GRACE_BYTES}
 *                             have been expanded so that tiny archives of compressible files pass
 * @param maxFileBytes         bytes of one file's content; a larger file is rejected on its own, not the upload
 */
public record ArchiveLimits(long maxUploadBytes, int maxEntries, long maxExpandedBytes, int maxCompressionRatio,
        int maxFileBytes) {

    public static final long RATIO_GRACE_BYTES = 1L << 20;

    public ArchiveLimits {
        if (maxUploadBytes <= 0 || maxEntries <= 0 || maxExpandedBytes <= 0 || maxCompressionRatio <= 0
                || maxFileBytes <= 0) {
            throw new IllegalArgumentException("archive limits must be positive");
        }
    }
}
