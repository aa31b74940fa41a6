package io.visprompt.remote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.springframework.stereotype.Component;

/**
 * Reads an auth header's value where the registration says it is, at each use (a rotated Secret is picked up):
 * an environment variable whose name starts with the configured prefix, or a file under the configured secret
 * directory. The value is never stored, logged or returned; errors name the variable or file, never the value.
 */
@Component
class SecretSource {

    private final RemoteProperties properties;
    private final UnaryOperator<String> environment;

    SecretSource(RemoteProperties properties) {
        this.properties = properties;
        this.environment = System::getenv;
    }

    /** Checks where a secret is declared to be, without reading it. */
    void checkLocation(String env, String file) {
        if (env != null && file != null) {
            throw RemoteModelRefused.invalidField("auth", "give env or file, not both");
        }
        if (env != null && (!env.startsWith(properties.secretEnvPrefix()) || !env.matches("[A-Z0-9_]+"))) {
            throw RemoteModelRefused.invalidField("auth.env", "must be an environment variable named "
                    + properties.secretEnvPrefix() + "..., in capitals, digits and _");
        }
        if (file != null) {
            secretFile(file);
        }
    }

    /** The header to send (empty when the model has no auth). */
    Map<String, String> headers(RemoteModelDefinition model) {
        if (model.authHeader() == null) {
            return Map.of();
        }
        return Map.of(model.authHeader(), value(model.authEnv(), model.authFile()));
    }

    private String value(String env, String file) {
        String value;
        if (env != null) {
            value = environment.apply(env);
            if (value == null || value.isBlank()) {
                throw RemoteModelRefused.secret("The environment variable " + env + " is not set");
            }
        } else if (file != null) {
            try {
                value = Files.readString(secretFile(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw RemoteModelRefused.secret("The secret file " + file + " cannot be read");
            }
        } else {
            throw RemoteModelRefused.invalidField("auth", "a header needs env or file");
        }
        String trimmed = value.strip();
        if (trimmed.isEmpty() || trimmed.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw RemoteModelRefused.secret("The secret for the auth header is empty or not a single line");
        }
        return trimmed;
    }

    private Path secretFile(String file) {
        Path directory = properties.secretDirectory().toAbsolutePath().normalize();
        Path path = Path.of(file).toAbsolutePath().normalize();
        if (!path.startsWith(directory)) {
            throw RemoteModelRefused.invalidField("auth.file", "must be a file under the secret directory "
                    + directory);
        }
        return path;
    }
}
