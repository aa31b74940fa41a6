package io.visprompt.security;

import java.util.List;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A bearer API key: as presented (unauthenticated, holding the key) or as accepted (authenticated, holding the
 * {@link Caller} and one {@code SCOPE_<scope>} authority per effective scope; the key itself is dropped).
 */
final class ApiKeyAuthentication extends AbstractAuthenticationToken {

    private String presentedKey;
    private final Caller caller;

    private ApiKeyAuthentication(String presentedKey) {
        super(List.of());
        this.presentedKey = presentedKey;
        this.caller = null;
    }

    private ApiKeyAuthentication(Caller caller) {
        super(Scope.effective(caller.scopes()).stream().map(s -> new SimpleGrantedAuthority(s.authority())).toList());
        this.presentedKey = null;
        this.caller = caller;
        setAuthenticated(true);
    }

    static ApiKeyAuthentication presented(String key) {
        return new ApiKeyAuthentication(key);
    }

    static ApiKeyAuthentication accepted(Caller caller) {
        return new ApiKeyAuthentication(caller);
    }

    String presentedKey() {
        return presentedKey;
    }

    @Override
    public Object getCredentials() {
        return presentedKey;
    }

    @Override
    public Object getPrincipal() {
        return caller;
    }

    @Override
    public String getName() {
        return caller != null ? caller.keyPrefix() : ApiKeyFormat.prefixOf(presentedKey).orElse("unknown");
    }

    @Override
    public void eraseCredentials() {
        presentedKey = null;
        super.eraseCredentials();
    }
}
