package io.visprompt.training;

import java.net.URI;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.visprompt.config.ApiProblem;
import io.visprompt.config.CursorPage;
import io.visprompt.config.Tenant;
import jakarta.validation.Valid;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/v1/sweeps")
@Tag(name = "Sweeps", description = "Search prompt and training settings with many training jobs (grid, random, ASHA)")
class SweepController {

    private final Sweeps sweeps;
    private final SweepQueries queries;

    SweepController(Sweeps sweeps, SweepQueries queries) {
        this.sweeps = sweeps;
        this.queries = queries;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Start a sweep; its trials are training jobs, up to parallelism at a time")
    ResponseEntity<SweepView> create(Tenant tenant, @Valid @RequestBody SweepRequest request) {
        UUID id = sweeps.create(tenant, request);
        return ResponseEntity.created(URI.create("/v1/sweeps/" + id)).body(get(tenant, id));
    }

    @GetMapping
    @Operation(summary = "List sweeps, newest first, with cursor pagination (without leaderboards)")
    CursorPage<SweepView> list(Tenant tenant, @RequestParam(required = false) String limit,
            @RequestParam(required = false) String after) {
        CursorPage.Request<UUID> page = CursorPage.Request.of(limit, after, CursorPage::uuidCursor);
        if (page.after() != null && !queries.exists(tenant, page.after())) {
            throw ApiProblem.invalidField("after", "no sweep " + page.after());
        }
        return page.page(queries.list(tenant, page.after(), page.fetchSize()), SweepView::id);
    }

    @GetMapping("/{id}")
    @Operation(summary = "Status, progress, the leaderboard with validation curves, the best trial and its prompt, "
            + "and the compute used against a full run of every trial")
    SweepView get(Tenant tenant, @PathVariable UUID id) {
        return queries.find(tenant, id).orElseThrow(() -> ApiProblem.notFound("sweep", id));
    }

    @GetMapping("/{id}/events")
    @Operation(summary = "Trials submitted, promoted and stopped, quota waits and the end, oldest first")
    CursorPage<SweepView.SweepEventView> events(Tenant tenant, @PathVariable UUID id,
            @RequestParam(required = false) String after, @RequestParam(required = false) String limit) {
        if (!queries.exists(tenant, id)) {
            throw ApiProblem.notFound("sweep", id);
        }
        CursorPage.Request<Long> page = CursorPage.Request.of(limit, after, CursorPage::numberCursor);
        return page.page(queries.events(id, page.after() == null ? 0 : page.after(), page.fetchSize()),
                SweepView.SweepEventView::id);
    }

    @PostMapping("/{id}/cancel")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Cancel the sweep and every trial that has not ended")
    ResponseEntity<SweepView> cancel(Tenant tenant, @PathVariable UUID id) {
        boolean cancelled = sweeps.cancel(tenant, id).orElseThrow(() -> ApiProblem.notFound("sweep", id));
        if (!cancelled) {
            throw ApiProblem.conflict("sweep_not_cancellable", "Sweep " + id + " has already ended");
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(get(tenant, id));
    }
}
