package io.visprompt.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Reading the repository's deployment files from the tests (working directory: the project root, as in Surefire). */
final class ProjectFiles {

    private static final Pattern PORT_PLACEHOLDER = Pattern.compile("\\$\\{PORT:(\\d+)}");

    private ProjectFiles() {
    }

    static Path root() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    static Path file(String relative) {
        return root().resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(file(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yamlMap(String relative) {
        return (Map<String, Object>) yaml().load(read(relative));
    }

    /** All non-empty documents of a multi-document YAML stream (for example `helm template` output). */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> yamlDocuments(String text) {
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : yaml().loadAll(text)) {
            if (document != null) {
                documents.add((Map<String, Object>) document);
            }
        }
        return documents;
    }

    /** The default of {@code server.port} in src/main/resources/application.yml ({@code ${PORT:8080}} or a number). */
    static int defaultServerPort() {
        Map<String, Object> application = yamlMap("src/main/resources/application.yml");
        Object port = path(application, "server", "port");
        if (port instanceof Integer number) {
            return number;
        }
        Matcher matcher = PORT_PLACEHOLDER.matcher(String.valueOf(port));
        if (!matcher.matches()) {
            throw new IllegalStateException("server.port is neither a number nor ${PORT:<default>}: " + port);
        }
        return Integer.parseInt(matcher.group(1));
    }

    /** Walks nested maps by key; null when a key is missing. */
    @SuppressWarnings("unchecked")
    static <T> T path(Object node, String... keys) {
        Object current = node;
        for (String key : keys) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(key);
        }
        return (T) current;
    }
}
