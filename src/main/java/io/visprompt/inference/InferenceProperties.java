package io.visprompt.inference;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Serving settings ({@code visprompt.inference.*}).
 *
 * @param maxBatchSize   most requests to one prompt run as one forward pass
 * @param maxBatchWait   how long the first request of a batch waits for company beyond those already queued; 0 (the
 *                       default) runs a batch as soon as the previous one is done, with every request queued by then
 * @param cachedPrompts  prompts kept loaded (least recently used ones are closed)
 * @param promptCacheTtl how long a prompt found for a tenant is served without reading it again; a prompt removed
 *                       by any process stops classifying within this
 * @param maxImageSize   largest image upload
 * @param maxImagePixels largest image, checked from its header before decoding
 */
@ConfigurationProperties("visprompt.inference")
record InferenceProperties(@DefaultValue("32") int maxBatchSize, @DefaultValue("0ms") Duration maxBatchWait,
        @DefaultValue("16") int cachedPrompts, @DefaultValue("3s") Duration promptCacheTtl, @DefaultValue("10MB") DataSize maxImageSize, @DefaultValue("25000000") long maxImagePixels) {
}
