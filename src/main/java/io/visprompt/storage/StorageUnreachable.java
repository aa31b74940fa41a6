package io.visprompt.storage;

/**
 * The configured store cannot be used (wrong credentials, a missing bucket, an unwritable directory): thrown at start
 * so a process that cannot reach its store never runs half-working. The message names the store and the reason.
 */
public final class StorageUnreachable extends RuntimeException {

    public StorageUnreachable(String store, String reason, Throwable cause) {
        super("Object store unusable: " + store + ": " + reason, cause);
    }
}
