package io.visprompt.dataset.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An upload refused as a whole: nothing of it is stored. The dataset module turns it into its own refusal whose
 * {@code code} is {@link Reason#code()}; {@link #properties()} become extra members of that refusal.
 */
public final class UploadRejected extends RuntimeException {

    public enum Reason {
        NOT_AN_ARCHIVE, CORRUPT_ARCHIVE, UNSAFE_PATH, UPLOAD_TOO_LARGE, ARCHIVE_TOO_LARGE, ZIP_BOMB,
        NO_USABLE_IMAGES, EMPTY_CLASS, TOO_FEW_CLASSES, MISSING_TRAIN_SPLIT;

        /** Locale.ROOT: under a Turkish default locale NOT_AN_ARCHIVE would become "not_an_archıve" (dotless ı). */
        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;
    private final Map<String, Object> properties = new LinkedHashMap<>();

    public UploadRejected(Reason reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    public UploadRejected(Reason reason, String detail, Throwable cause) {
        super(detail, cause);
        this.reason = reason;
    }

    public UploadRejected with(String name, Object value) {
        properties.put(name, value);
        return this;
    }

    public Reason reason() {
        return reason;
    }

    public Map<String, Object> properties() {
        return Collections.unmodifiableMap(properties);
    }
}
