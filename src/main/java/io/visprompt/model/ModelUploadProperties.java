package io.visprompt.model;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code visprompt.model-uploads.*}.
 *
 * @param maxSize all files of one upload together, counted as they are read (413 model_too_large);
 *                spring.servlet.multipart limits are the outer bound
 */
@ConfigurationProperties("visprompt.model-uploads")
record ModelUploadProperties(@DefaultValue("1GB") DataSize maxSize) {

    ModelUploadProperties {
        if (maxSize.toBytes() <= 0) {
            throw new IllegalArgumentException("visprompt.model-uploads.max-size must be positive");
        }
    }
}
