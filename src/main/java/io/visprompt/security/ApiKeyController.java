package io.visprompt.security;

import java.net.URI;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.visprompt.config.ApiProblem;
import io.visprompt.config.CursorPage;
import io.visprompt.config.Tenant;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/v1/api-keys")
@Tag(name = "API keys", description = "Bearer keys with scopes and a tenant (admin scope)")
class ApiKeyController {

    static final int MAX_NAME_LENGTH = 200;

    private final ApiKeyAdministration keys;

    ApiKeyController(ApiKeyAdministration keys) {
        this.keys = keys;
    }

    record ApiKeyRequest(String name, String tenant, List<String> scopes) {
    }

    /** A key as listed: never its secret or hash. {@code key} is set only in the response that creates it. */
    record ApiKeyView(String prefix, String object, String name, String tenant, List<String> scopes, String origin,
            Instant createdAt, Instant lastUsedAt, Instant revokedAt, String key) {

        static ApiKeyView of(ApiKeyStore.StoredKey k, String key) {
            return new ApiKeyView(k.prefix(), "api_key", k.name(), k.tenant().id(),
                    k.scopes().stream().sorted().map(Scope::wireName).toList(), k.origin(), k.createdAt(),
                    k.lastUsedAt(), k.revokedAt(), key);
        }
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a key: {name, tenant, scopes}; the response shows the full key, once")
    ResponseEntity<ApiKeyView> create(@RequestBody ApiKeyRequest request) {
        String name = request.name() == null ? "" : request.name().strip();
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH || name.chars().anyMatch(Character::isISOControl)) {
            throw ApiProblem.invalidField("name", "must be 1 to " + MAX_NAME_LENGTH + " printable characters");
        }
        String tenant = request.tenant() == null ? Tenant.DEFAULT.id() : request.tenant();
        if (!Tenant.isValid(tenant)) {
            throw ApiProblem.invalidField("tenant", "must be 1 to 63 characters of a-z, 0-9, '.', '_' and '-', "
                    + "starting with a letter or digit");
        }
        if (request.scopes() == null || request.scopes().isEmpty()) {
            throw ApiProblem.invalidField("scopes", "name at least one of " + Scope.wireNames());
        }
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : request.scopes()) {
            scopes.add(Scope.fromWire(s).orElseThrow(() -> ApiProblem.invalidField("scopes",
                    "unknown scope '" + s + "'; the scopes are " + Scope.wireNames())));
        }
        ApiKeyAdministration.CreatedKey created = keys.create(name, new Tenant(tenant), scopes, "api");
        return ResponseEntity.created(URI.create("/v1/api-keys/" + created.stored().prefix()))
                .body(ApiKeyView.of(created.stored(), created.key()));
    }

    @GetMapping
    @Operation(summary = "List keys of every tenant, newest first (cursor: limit, after = last prefix)")
    CursorPage<ApiKeyView> list(@RequestParam(required = false) String limit,
            @RequestParam(required = false) String after) {
        CursorPage.Request<String> page = CursorPage.Request.of(limit, after,
                prefix -> prefix.matches("[A-Za-z0-9]{4,32}") ? prefix : null); // a key's prefix (ApiKeyFormat)
        return page.page(keys.page(page.after(), page.fetchSize()), ApiKeyStore.StoredKey::prefix)
                .map(k -> ApiKeyView.of(k, null));
    }

    @GetMapping("/{prefix}")
    ApiKeyView get(@PathVariable String prefix) {
        return ApiKeyView.of(keys.find(prefix), null);
    }

    @DeleteMapping("/{prefix}")
    @Operation(summary = "Revoke a key (kept, with revoked_at, for the record); refused for the last admin key")
    ApiKeyView delete(@PathVariable String prefix) {
        return ApiKeyView.of(keys.revoke(prefix), null);
    }

    @PostMapping("/{prefix}/revoke")
    @Operation(summary = "Revoke a key; the same as DELETE")
    ResponseEntity<ApiKeyView> revoke(@PathVariable String prefix) {
        return ResponseEntity.status(HttpStatus.OK).body(ApiKeyView.of(keys.revoke(prefix), null));
    }
}
