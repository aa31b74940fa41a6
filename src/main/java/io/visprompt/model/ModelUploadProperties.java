package io.visprompt.model;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code visprompt.model-uploads.*}.
 *
 * @param maxSize            all files of one upload together, counted as they are read (413 model_too_large);
 *                           spring.servlet.multipart limits are the outer bound
 * @param loadedCheckInterval how often this process looks for uploaded models it holds loaded whose row is gone
 *                           (deleted by another process) and frees them, even when no request asks for them
 */
@ConfigurationProperties("visprompt.model-uploads")
record ModelUploadProperties(@DefaultValue("1GB") DataSize maxSize,
        @DefaultValue("30s") Duration loadedCheckInterval) {

    ModelUploadProperties {
        if (maxSize.toBytes() <= 0) {
            throw new IllegalArgumentException("visprompt.model-uploads.max-size must be positive");
        }
        if (loadedCheckInterval.isNegative() || loadedCheckInterval.isZero()) {
            throw new IllegalArgumentException("visprompt.model-uploads.loaded-check-interval must be positive");
        }
    }
}
