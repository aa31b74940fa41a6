package io.visprompt.dataset;

import io.visprompt.config.DomainException;
import io.visprompt.dataset.internal.UploadRejected;

/** Why the dataset module refuses a request, in its own terms; the web edge picks the HTTP status from the kind. */
final class DatasetRefused extends DomainException {

    private DatasetRefused(Kind kind, String code, String reason) {
        super(kind, code, reason);
    }

    /** The upload's own code and members; a too large upload or archive is {@link Kind#TOO_LARGE}. */
    static DatasetRefused upload(UploadRejected rejected) {
        Kind kind = switch (rejected.reason()) {
            case UPLOAD_TOO_LARGE, ARCHIVE_TOO_LARGE -> Kind.TOO_LARGE;
            default -> Kind.INVALID;
        };
        DatasetRefused refused = new DatasetRefused(kind, rejected.reason().code(), rejected.getMessage());
        refused.initCause(rejected);
        rejected.properties().forEach(refused::put);
        return refused;
    }

    /** Code {@code dataset_not_found}; another tenant's dataset is not found either. */
    static DatasetRefused notFound(Object id) {
        return new DatasetRefused(Kind.NOT_FOUND, "dataset_not_found", "dataset " + id + " does not exist");
    }

    /** Code {@code dataset_in_use}: a training job still needs the dataset. */
    static DatasetRefused inUse(Object id) {
        return new DatasetRefused(Kind.CONFLICT, "dataset_in_use", "Dataset " + id + " is used by a training job; "
                + "cancel or wait for the job before deleting it");
    }

    /** Code {@code dataset_files_missing}, with members {@code missing_files} and {@code files}: nothing was stored. */
    static DatasetRefused filesMissing(int missing, int listed) {
        DatasetRefused refused = new DatasetRefused(Kind.INTERNAL, "dataset_files_missing",
                "Some of the dataset's files were lost while it was being stored; nothing was stored, upload it again");
        refused.put("missing_files", missing);
        refused.put("files", listed);
        return refused;
    }
}
