package io.visprompt.prompt;

import java.util.Optional;
import java.util.UUID;

import io.visprompt.config.Tenant;

/**
 * The prompt module's entry point for other modules. Every prompt belongs to a tenant; another tenant's prompt is
 * not found, exactly like one that does not exist.
 */
public interface Prompts {

    /**
     * Stores a prompt of {@code owner}: its tensors as an object in the store, then its row in the caller's
     * transaction (a rollback deletes the object again). Returns it with its id and creation time. A job that saves
     * again (a stopped sweep trial that was resumed) gets a new prompt; the earlier one is kept unchanged, as a
     * prompt of no job (a prompt never changes under its id).
     */
    LearnedPrompt save(Tenant owner, LearnedPrompt prompt);

    Optional<LearnedPrompt> find(Tenant tenant, UUID id);

    Optional<LearnedPrompt> findByJob(Tenant tenant, UUID jobId);

    /**
     * Deletes the tenant's prompt, its row and then its tensors in the object store (not inside a caller's
     * transaction); false when the tenant has no such prompt.
     */
    boolean delete(Tenant tenant, UUID id);
}
