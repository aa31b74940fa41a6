package io.visprompt.dataset.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.visprompt.dataset.internal.UploadRejected.Reason;

/**
 * Entry names from an untrusted archive. Nothing is ever written under an entry's name (stored files are named by
 * split, label and position), yet a name that tries to leave the archive root marks the whole upload as hostile,
 * so it is refused rather than cleaned up.
 */
public final class ArchivePaths {

    static final int MAX_PATH_LENGTH = 4096;

    /** Files that operating systems and archivers add on their own; skipped without being reported. */
    private static final Set<String> SYSTEM_FILES = Set.of("__macosx", "thumbs.db", "desktop.ini");

    private ArchivePaths() {
    }

    /**
     * The name as '/'-separated segments with empty and "." segments dropped ({@code ./cats//a.png} becomes
     * {@code cats/a.png}); the empty string for the archive root itself.
     *
     * @throws UploadRejected {@code unsafe_path} for "..", absolute names, drive letters, backslashes or NUL
     */
    public static String normalize(String name) {
        if (name == null) {
            throw unsafe("", "an entry has no name");
        }
        if (name.length() > MAX_PATH_LENGTH) {
            throw unsafe(name.substring(0, 200) + "...", "an entry name is longer than " + MAX_PATH_LENGTH + " characters");
        }
        if (name.indexOf('\0') >= 0) {
            throw unsafe(name.replace('\0', '?'), "an entry name contains a NUL character");
        }
        if (name.indexOf('\\') >= 0) {
            // Windows separators: "..\\x" would escape on the platform that wrote the archive.
            throw unsafe(name, "an entry name contains a backslash");
        }
        if (name.startsWith("/")) {
            throw unsafe(name, "an entry name is an absolute path");
        }
        if (name.length() >= 2 && name.charAt(1) == ':' && Character.isLetter(name.charAt(0))) {
            throw unsafe(name, "an entry name starts with a drive letter");
        }
        List<String> segments = new ArrayList<>();
        for (String segment : name.split("/")) {
            if (segment.equals("..")) {
                throw unsafe(name, "an entry name contains '..'");
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                segments.add(segment);
            }
        }
        return String.join("/", segments);
    }

    /** True for dotfiles, anything inside a dot-folder or {@code __MACOSX/}, and Windows thumbnail files. */
    public static boolean isIgnored(String normalizedPath) {
        if (normalizedPath.isEmpty()) {
            return true;
        }
        for (String segment : normalizedPath.split("/")) {
            if (segment.startsWith(".") || SYSTEM_FILES.contains(segment.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    static UploadRejected unsafe(String path, String detail) {
        return new UploadRejected(Reason.UNSAFE_PATH, detail + ": " + path).with("path", path);
    }
}
