package io.visprompt.dataset.internal;

import jakarta.persistence.Embeddable;

/** An archive entry that was not imported, kept with the dataset so the report can be read again later. */
@Embeddable
public record RejectedFileEntry(String path, String reason) {
}
