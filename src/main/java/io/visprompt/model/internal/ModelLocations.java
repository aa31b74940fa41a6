package io.visprompt.model.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import ai.djl.repository.Artifact;
import ai.djl.repository.MRL;
import ai.djl.repository.Repository;

/**
 * Turns a configured source (other than {@code classpath:}, which needs Spring's resource loading) into a local
 * directory or {@code .pt} file. URLs and archives go through DJL's repositories, which download (http, s3,
 * {@code djl://} zoo) and unpack archives into DJL's cache directory.
 */
public final class ModelLocations {

    private static final List<String> ARCHIVES = List.of(".zip", ".tar", ".tar.gz", ".tgz");

    private ModelLocations() {
    }

    public static boolean isUrl(String source) {
        int colon = source.indexOf(':');
        // A single letter before the colon is a Windows drive, not a scheme.
        return colon > 1 && source.substring(0, colon).chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '+');
    }

    public static Path resolve(String id, String source) {
        if (!isUrl(source)) {
            return existing(Path.of(source));
        }
        String scheme = source.substring(0, source.indexOf(':')).toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            Path path = Path.of(URI.create(source));
            if (!isArchive(path)) {
                return existing(path);
            }
        }
        return downloaded(id, source);
    }

    private static Path existing(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("Model source " + path.toAbsolutePath() + " does not exist");
        }
        return path;
    }

    private static boolean isArchive(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        return ARCHIVES.stream().anyMatch(name::endsWith);
    }

    private static Path downloaded(String id, String url) {
        try {
            Repository repository = Repository.newInstance(id, url);
            List<MRL> resources = repository.getResources();
            if (resources.isEmpty()) {
                throw new IllegalArgumentException("No model found at " + url);
            }
            MRL mrl = resources.get(0);
            Artifact artifact = mrl.getDefaultArtifact();
            if (artifact == null) {
                throw new IllegalArgumentException("No model artifact found at " + url);
            }
            mrl.prepare(artifact);
            return repository.getResourceDirectory(artifact);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot fetch model " + id + " from " + url, e);
        }
    }
}
