package io.visprompt.model;

import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.visprompt.config.ApiProblem;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/v1/models")
@Tag(name = "Models", description = "The frozen models this deployment offers (from configuration)")
class ModelController {

    private final ModelCatalog catalog;

    ModelController(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    record ModelView(String id, String object, String kind, int inputSize, int resize,
            Map<String, float[]> normalization, String source, List<String> labels, List<String> textTemplates,
            String description) {

        static ModelView of(ModelDescriptor d) {
            return new ModelView(d.id(), "model", d.kind().name().toLowerCase(java.util.Locale.ROOT), d.inputSize(), d.resize(),
                    Map.of("mean", d.mean(), "std", d.std()), d.source(),
                    d.labels() == null || d.labels().isEmpty() ? null : d.labels(),
                    d.templates() == null || d.templates().isEmpty() ? null : d.templates(), d.description());
        }
    }

    record ModelList(String object, List<ModelView> data) {
    }

    @GetMapping
    @Operation(summary = "List the models jobs can use")
    ModelList list() {
        return new ModelList("list", catalog.models().stream().map(ModelView::of).toList());
    }

    @GetMapping("/{id}")
    ModelView get(@PathVariable String id) {
        return catalog.find(id).map(ModelView::of).orElseThrow(() -> ApiProblem.notFound("model", id));
    }
}
