package io.visprompt.remote;

import java.net.URI;
import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.visprompt.config.Tenant;
import jakarta.validation.Valid;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Registering remote models ({@code POST /v1/models} with a JSON body of kind {@code remote}) and reading them back
 * under {@code /v1/remote-models}. Admin scope: a registration makes this service send requests, with a secret of
 * the deployment, to a URL the caller chooses.
 */
@RestController
@Tag(name = "Remote models", description = "Classifiers behind an Open Inference Protocol v2 endpoint, for black-box "
        + "prompt training")
class RemoteModelController {

    private final RemoteModels models;

    RemoteModelController(RemoteModels models) {
        this.models = models;
    }

    record RemoteModelList(String object, List<RemoteModelView> data) {
    }

    @PostMapping(path = "/v1/models", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Register a remote model (kind remote): checks the endpoint's metadata and readiness")
    ResponseEntity<RemoteModelView> register(Tenant tenant, @Valid @RequestBody RemoteModelRequest request) {
        RemoteModelDefinition saved = models.register(tenant, request);
        return ResponseEntity.created(URI.create("/v1/remote-models/" + saved.name()))
                .body(RemoteModelView.of(saved));
    }

    @GetMapping("/v1/remote-models")
    @Operation(summary = "The tenant's remote models")
    RemoteModelList list(Tenant tenant) {
        return new RemoteModelList("list", models.list(tenant).stream().map(RemoteModelView::of).toList());
    }

    @GetMapping("/v1/remote-models/{name}")
    RemoteModelView get(Tenant tenant, @PathVariable String name) {
        return models.definition(tenant, name).map(RemoteModelView::of)
                .orElseThrow(() -> RemoteModelRefused.notFound(name));
    }

    @DeleteMapping("/v1/remote-models/{name}")
    ResponseEntity<Void> delete(Tenant tenant, @PathVariable String name) {
        if (!models.delete(tenant, name)) {
            throw RemoteModelRefused.notFound(name);
        }
        return ResponseEntity.noContent().build();
    }
}
