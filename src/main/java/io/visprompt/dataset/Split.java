package io.visprompt.dataset;

import java.util.Locale;

public enum Split {
    TRAIN, VAL, TEST;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
