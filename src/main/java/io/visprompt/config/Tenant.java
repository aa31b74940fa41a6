package io.visprompt.config;

import java.util.regex.Pattern;

/**
 * The owner of datasets, training jobs and prompts. Every API key belongs to one tenant; controllers receive the
 * caller's tenant as a method argument and every query of a tenant's resources filters by it, so another tenant's
 * resource reads exactly like one that does not exist.
 *
 * @param id lower-case letters, digits, {@code .}, {@code _} and {@code -}; 1 to 63 characters, starting with a
 *           letter or digit
 */
public record Tenant(String id) {

    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    /** Owner of the rows that existed before tenants, and of the first admin key. */
    public static final Tenant DEFAULT = new Tenant("default");

    public Tenant {
        if (id == null || !VALID.matcher(id).matches()) {
            throw new IllegalArgumentException("A tenant is 1 to 63 characters of a-z, 0-9, '.', '_' and '-', "
                    + "starting with a letter or digit");
        }
    }

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    @Override
    public String toString() {
        return id;
    }
}
