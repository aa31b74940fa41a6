package io.visprompt.security;

import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** What an API key may do. {@link #ADMIN} implies every other scope and adds key and audit administration. */
enum Scope {

    DATASETS_READ("datasets:read"),
    DATASETS_WRITE("datasets:write"),
    JOBS_READ("jobs:read"),
    JOBS_WRITE("jobs:write"),
    PROMPTS_READ("prompts:read"),
    PROMPTS_WRITE("prompts:write"),
    MODELS_WRITE("models:write"),
    CLASSIFY("classify"),
    ADMIN("admin");

    private final String wireName;

    Scope(String wireName) {
        this.wireName = wireName;
    }

    String wireName() {
        return wireName;
    }

    /** The Spring Security authority that stands for this scope. */
    String authority() {
        return "SCOPE_" + wireName;
    }

    static Optional<Scope> fromWire(String name) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
    }

    /** The scopes a key holding {@code granted} has in effect: admin implies all. */
    static Set<Scope> effective(Collection<Scope> granted) {
        if (granted.contains(ADMIN)) {
            return EnumSet.allOf(Scope.class);
        }
        return granted.isEmpty() ? EnumSet.noneOf(Scope.class) : EnumSet.copyOf(granted);
    }

    static String wireNames() {
        return String.join(", ", Arrays.stream(values()).map(Scope::wireName).toList());
    }
}
