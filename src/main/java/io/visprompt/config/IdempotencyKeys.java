package io.visprompt.config;

/** The one rule for an {@code Idempotency-Key} header, for every endpoint that honours it. */
public final class IdempotencyKeys {

    private IdempotencyKeys() {
    }

    /** Returns the key as given (null when absent); refuses a blank, over-long or control-character key with 400. */
    public static String checked(String key) {
        if (key != null && (key.isBlank() || key.length() > 200 || key.chars().anyMatch(Character::isISOControl))) {
            throw ApiProblem.badRequest("invalid_idempotency_key", "Idempotency-Key must be 1 to 200 printable characters");
        }
        return key;
    }
}
