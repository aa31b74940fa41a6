package io.visprompt.dataset.internal;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.LongConsumer;

import io.visprompt.dataset.internal.UploadRejected.Reason;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Streams a zip, tar or tar.gz upload entry by entry, enforcing {@link ArchiveLimits} on the bytes as they are read
 * and refusing unsafe entry names and tar links. The format is recognised from the content, never from a file name
 * or content type. Nothing is written to disk here.
 */
public final class ArchiveReader {

    /** One regular file of the archive, offered to the visitor while the stream is positioned on it. */
    public interface ArchiveFile {

        /** The normalized path (see {@link ArchivePaths#normalize}). */
        String path();

        /** The whole content, or empty when it is larger than {@link ArchiveLimits#maxFileBytes()}. */
        Optional<byte[]> content();
    }

    /** Receives entries in archive order. A file's content not read by the visitor is still read and counted. */
    public interface ArchiveVisitor {

        void directory(String path);

        void file(ArchiveFile file);
    }

    /** What reading cost, for metrics and the dataset record. */
    public record ArchiveStats(long uploadBytes, long expandedBytes, int entries) {
    }

    private static final int SIGNATURE_BYTES = 512;

    private final ArchiveLimits limits;

    public ArchiveReader(ArchiveLimits limits) {
        this.limits = limits;
    }

    public ArchiveStats read(InputStream upload, ArchiveVisitor visitor) {
        Budget budget = new Budget(limits);
        InputStream raw = new BufferedInputStream(new CountingStream(upload, budget::uploaded));
        try (ArchiveInputStream<?> archive = open(raw, budget)) {
            boolean zip = archive instanceof ZipArchiveInputStream;
            ArchiveEntry entry;
            while ((entry = archive.getNextEntry()) != null) {
                budget.entry();
                refuseSpecialEntries(entry);
                String path = ArchivePaths.normalize(entry.getName());
                if (entry.isDirectory()) {
                    visitor.directory(path);
                    continue;
                }
                // zip contents are counted here; tar contents are counted below the tar reader with its headers.
                InputStream content = zip ? new CountingStream(archive, budget::expanded) : archive;
                visitor.file(new StreamedFile(path, content, limits.maxFileBytes()));
                drain(content);
            }
            return new ArchiveStats(budget.uploadBytes, budget.expandedBytes, budget.entries);
        } catch (EntryReadFailure e) {
            throw corrupt(e.getCause());
        } catch (IOException e) {
            throw corrupt(e);
        }
    }

    private ArchiveInputStream<?> open(InputStream raw, Budget budget) throws IOException {
        byte[] signature = peek(raw);
        if (ZipArchiveInputStream.matches(signature, signature.length)) {
            // Stored entries may be followed by a data descriptor (streaming zip writers do this).
            return new ZipArchiveInputStream(raw, StandardCharsets.UTF_8.name(), true, true);
        }
        if (TarArchiveInputStream.matches(signature, signature.length)) {
            return new TarArchiveInputStream(new CountingStream(raw, budget::expanded));
        }
        if (GzipCompressorInputStream.matches(signature, signature.length)) {
            InputStream tar = new BufferedInputStream(new CountingStream(new GzipCompressorInputStream(raw), budget::expanded));
            byte[] inner = peek(tar);
            if (!TarArchiveInputStream.matches(inner, inner.length)) {
                throw new UploadRejected(Reason.NOT_AN_ARCHIVE, "The gzip file does not contain a tar archive");
            }
            return new TarArchiveInputStream(tar);
        }
        throw new UploadRejected(Reason.NOT_AN_ARCHIVE, "The file is not a zip, tar or tar.gz archive");
    }

    private static byte[] peek(InputStream in) throws IOException {
        in.mark(SIGNATURE_BYTES);
        byte[] signature = in.readNBytes(SIGNATURE_BYTES);
        in.reset();
        return signature;
    }

    private static void refuseSpecialEntries(ArchiveEntry entry) {
        if (entry instanceof ZipArchiveEntry zip && zip.getRawName() != null && contains(zip.getRawName(), (byte) '\\')) {
            // The zip reader turns DOS-style separators into '/', so the check on the normalized name cannot see them.
            throw ArchivePaths.unsafe(new String(zip.getRawName(), StandardCharsets.UTF_8),
                    "an entry name contains a backslash");
        }
        if (entry instanceof TarArchiveEntry tar) {
            if (tar.isSymbolicLink() || tar.isLink()) {
                throw ArchivePaths.unsafe(tar.getName(), "the archive contains a link entry");
            }
            if (tar.isCharacterDevice() || tar.isBlockDevice() || tar.isFIFO()) {
                throw ArchivePaths.unsafe(tar.getName(), "the archive contains a device or pipe entry");
            }
        }
        // Zip symlinks are only marked in the central directory, which a stream never sees; their content (the link
        // target) is read as an ordinary file and fails image validation, so no link is ever followed or created.
    }

    private static boolean contains(byte[] bytes, byte wanted) {
        for (byte b : bytes) {
            if (b == wanted) {
                return true;
            }
        }
        return false;
    }

    private static void drain(InputStream content) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        while (content.read(buffer) >= 0) {
            // counted (and limited) by the counting streams
        }
    }

    private static UploadRejected corrupt(Throwable cause) {
        String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new UploadRejected(Reason.CORRUPT_ARCHIVE, "The archive could not be read: " + why, cause);
    }

    private record StreamedFile(String path, InputStream in, int maxBytes) implements ArchiveFile {

        @Override
        public Optional<byte[]> content() {
            try {
                byte[] bytes = in.readNBytes(maxBytes == Integer.MAX_VALUE ? maxBytes : maxBytes + 1);
                return bytes.length > maxBytes ? Optional.empty() : Optional.of(bytes);
            } catch (IOException e) {
                throw new EntryReadFailure(e);
            }
        }
    }

    /** An archive read error raised inside a visitor's call, carried out of it to be reported as corrupt_archive. */
    private static final class EntryReadFailure extends RuntimeException {
        EntryReadFailure(IOException cause) {
            super(cause);
        }
    }

    /** Byte and entry counts of one upload, refusing it the moment a limit is passed. */
    private static final class Budget {

        private final ArchiveLimits limits;
        private long uploadBytes;
        private long expandedBytes;
        private int entries;

        Budget(ArchiveLimits limits) {
            this.limits = limits;
        }

        void uploaded(long n) {
            uploadBytes += n;
            if (uploadBytes > limits.maxUploadBytes()) {
                throw new UploadRejected(Reason.UPLOAD_TOO_LARGE,
                        "The upload is larger than " + limits.maxUploadBytes() + " bytes")
                        .with("max_upload_bytes", limits.maxUploadBytes());
            }
        }

        void expanded(long n) {
            expandedBytes += n;
            if (expandedBytes > limits.maxExpandedBytes()) {
                throw new UploadRejected(Reason.ARCHIVE_TOO_LARGE,
                        "The archive expands to more than " + limits.maxExpandedBytes() + " bytes")
                        .with("max_uncompressed_bytes", limits.maxExpandedBytes());
            }
            if (expandedBytes > ArchiveLimits.RATIO_GRACE_BYTES
                    && expandedBytes > (double) limits.maxCompressionRatio() * Math.max(uploadBytes, 1)) {
                throw new UploadRejected(Reason.ZIP_BOMB, "The archive expands more than "
                        + limits.maxCompressionRatio() + " times its size; it looks like a decompression bomb")
                        .with("max_compression_ratio", limits.maxCompressionRatio());
            }
        }

        void entry() {
            entries++;
            if (entries > limits.maxEntries()) {
                throw new UploadRejected(Reason.ARCHIVE_TOO_LARGE,
                        "The archive has more than " + limits.maxEntries() + " entries")
                        .with("max_entries", limits.maxEntries());
            }
        }
    }

    /** Reports every byte that passes, skipped ones included (skip is done by reading, so it is counted too). */
    private static final class CountingStream extends FilterInputStream {

        private final LongConsumer counter;

        CountingStream(InputStream in, LongConsumer counter) {
            super(in);
            this.counter = counter;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                counter.accept(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                counter.accept(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buffer = new byte[(int) Math.min(Math.max(n, 0), 16 * 1024)];
            long skipped = 0;
            while (skipped < n) {
                int read = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                if (read < 0) {
                    break;
                }
                skipped += read;
            }
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public void mark(int readlimit) {
        }

        @Override
        public void reset() throws IOException {
            throw new IOException("mark/reset not supported");
        }
    }
}
