package io.visprompt.model;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import io.visprompt.config.Tenant;

/**
 * A model a tenant uploaded: its descriptor (id = the upload's id) plus what the upload recorded.
 *
 * @param files each stored file's name and size in bytes
 * @param sha256 of the TorchScript image model ({@code model.pt} or {@code image_encoder.pt})
 */
record UploadedModel(UUID id, Tenant tenant, String name, ModelDescriptor descriptor, Map<String, Long> files,
        long sizeBytes, String sha256, Instant createdAt) {
}
