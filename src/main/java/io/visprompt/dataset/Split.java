package io.visprompt.dataset;

public enum Split {
    TRAIN, VAL, TEST;

    public String wireName() {
        return name().toLowerCase();
    }
}
