package io.visprompt.prompt;

import java.util.Optional;
import java.util.UUID;

/** The prompt module's entry point for other modules. */
public interface Prompts {

    /** Stores a prompt in the caller's transaction and returns it with its id and creation time. */
    LearnedPrompt save(LearnedPrompt prompt);

    Optional<LearnedPrompt> find(UUID id);

    Optional<LearnedPrompt> findByJob(UUID jobId);
}
