package io.visprompt.dataset;

/** An image that cannot be used (undecodable, unsupported format, too many pixels), with a stable {@link #reason()}. */
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
