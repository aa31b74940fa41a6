package io.visprompt.dataset.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds zip, tar and tar.gz archives in memory, including entries no well-behaved archiver would write. */
public final class TestArchives {

    public enum Format { ZIP, TAR, TAR_GZ }

    private record Entry(String name, byte[] content, byte linkType, String linkTarget) {
    }

    private final Format format;
    private final List<Entry> entries = new ArrayList<>();

    private TestArchives(Format format) {
        this.format = format;
    }

    public static TestArchives of(Format format) {
        return new TestArchives(format);
    }

    public static TestArchives zip() {
        return of(Format.ZIP);
    }

    public static TestArchives tar() {
        return of(Format.TAR);
    }

    public static TestArchives tarGz() {
        return of(Format.TAR_GZ);
    }

    public TestArchives file(String name, byte[] content) {
        entries.add(new Entry(name, content, TarConstants.LF_NORMAL, null));
        return this;
    }

    public TestArchives directory(String name) {
        entries.add(new Entry(name.endsWith("/") ? name : name + "/", null, TarConstants.LF_DIR, null));
        return this;
    }

    public TestArchives symlink(String name, String target) {
        entries.add(new Entry(name, null, TarConstants.LF_SYMLINK, target));
        return this;
    }

    public TestArchives hardLink(String name, String target) {
        entries.add(new Entry(name, null, TarConstants.LF_LINK, target));
        return this;
    }

    public byte[] bytes() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            switch (format) {
                case ZIP -> writeZip(out);
                case TAR -> writeTar(out);
                case TAR_GZ -> {
                    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
                        writeTar(gzip);
                    }
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeZip(OutputStream out) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Entry entry : entries) {
                if (entry.linkTarget() != null) {
                    throw new IllegalArgumentException("links are only built for tar");
                }
                zip.putNextEntry(new ZipEntry(entry.name()));
                if (entry.content() != null) {
                    zip.write(entry.content());
                }
                zip.closeEntry();
            }
        }
    }

    private void writeTar(OutputStream out) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        for (Entry entry : entries) {
            // preserveAbsolutePath: keep names exactly as given, hostile ones included
            TarArchiveEntry header = entry.linkTarget() == null ? new TarArchiveEntry(entry.name(), true)
                    : new TarArchiveEntry(entry.name(), entry.linkType(), true);
            if (entry.linkTarget() != null) {
                header.setLinkName(entry.linkTarget());
            }
            if (entry.content() != null) {
                header.setSize(entry.content().length);
            }
            tar.putArchiveEntry(header);
            if (entry.content() != null) {
                tar.write(entry.content());
            }
            tar.closeArchiveEntry();
        }
        tar.finish();
        tar.flush();
    }
}
