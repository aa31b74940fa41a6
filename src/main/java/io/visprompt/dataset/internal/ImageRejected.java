package io.visprompt.dataset.internal;

/** One archive file that is not imported; the upload goes on and the file is listed with {@link #reason()}. */
public final class ImageRejected extends Exception {

    private final String reason;

    public ImageRejected(String reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    /** A stable snake_case code such as {@code undecodable_image}. */
    public String reason() {
        return reason;
    }
}
