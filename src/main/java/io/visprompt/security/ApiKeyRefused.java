package io.visprompt.security;

import io.visprompt.config.DomainException;

/** Why a key cannot be read or revoked, in the security module's terms; the web edge picks the HTTP status. */
final class ApiKeyRefused extends DomainException {

    private ApiKeyRefused(Kind kind, String code, String reason) {
        super(kind, code, reason);
    }

    /** Code {@code api_key_not_found}. */
    static ApiKeyRefused notFound(String prefix) {
        return new ApiKeyRefused(Kind.NOT_FOUND, "api_key_not_found", "api key " + prefix + " does not exist");
    }

    /** Code {@code last_admin_key}: nobody could manage keys after revoking it. */
    static ApiKeyRefused lastAdminKey(String prefix) {
        return new ApiKeyRefused(Kind.CONFLICT, "last_admin_key", "Key " + prefix + " is the last admin key that "
                + "works; create another admin key before revoking it");
    }
}
