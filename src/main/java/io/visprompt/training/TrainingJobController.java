package io.visprompt.training;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.visprompt.config.ApiProblem;
import io.visprompt.config.IdempotencyKeys;
import io.visprompt.config.CursorPage;
import io.visprompt.config.Tenant;
import io.visprompt.config.DomainException;
import io.visprompt.model.ModelCatalog;
import io.visprompt.security.QuotaExceeded;
import io.visprompt.security.Quotas;
import jakarta.validation.Valid;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

@RestController
@RequestMapping("/v1/training-jobs")
@Tag(name = "Training jobs", description = "Learn a visual prompt for a dataset and a frozen model")
class TrainingJobController {

    private final JobSubmission submission;
    private final TrainingJobQueries queries;
    private final JobQueue queue;
    private final TrainingJobEventStream eventStream;
    private final ModelCatalog models;
    private final TrainingProperties properties;
    private final Quotas quotas;

    TrainingJobController(JobSubmission submission, TrainingJobQueries queries, JobQueue queue,
            TrainingJobEventStream eventStream, ModelCatalog models, TrainingProperties properties, Quotas quotas) {
        this.quotas = quotas;
        this.submission = submission;
        this.queries = queries;
        this.queue = queue;
        this.eventStream = eventStream;
        this.models = models;
        this.properties = properties;
    }

    @GetMapping("/defaults")
    @Operation(summary = "What a job gets for each setting a request leaves out, the choices, and per-model defaults")
    TrainingJobDefaults.View defaults(Tenant tenant) {
        return TrainingJobDefaults.describe(models.models(tenant), properties.defaultEpochs());
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Queue a training job; only dataset_id and model are required")
    ResponseEntity<TrainingJobView> create(Tenant tenant, @Valid @RequestBody TrainingJobRequest request,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        UUID id = submission.submit(tenant, request, IdempotencyKeys.checked(idempotencyKey));
        return ResponseEntity.created(URI.create("/v1/training-jobs/" + id)).body(get(tenant, id));
    }

    @GetMapping
    @Operation(summary = "List jobs, newest first, with cursor pagination")
    CursorPage<TrainingJobView> list(Tenant tenant, @RequestParam(required = false) String limit,
            @RequestParam(required = false) String after, @RequestParam(required = false) String status) {
        CursorPage.Request<UUID> page = CursorPage.Request.of(limit, after, CursorPage::uuidCursor);
        Optional<JobStatus> filter = Optional.ofNullable(status).map(s -> {
            try {
                return JobStatus.fromWire(s);
            } catch (IllegalArgumentException e) {
                throw ApiProblem.invalidField("status", "must be one of " + String.join(", ",
                        Arrays.stream(JobStatus.values()).map(JobStatus::wireName).toList()));
            }
        });
        // jobs are ordered by (created_at, id): the cursor's job must be found to know where the page starts
        if (page.after() != null && !queries.exists(tenant, page.after())) {
            throw ApiProblem.invalidField("after", "no job " + page.after());
        }
        return page.page(queries.list(tenant, filter, page.after(), page.fetchSize()), TrainingJobView::id);
    }

    @GetMapping("/{id}")
    TrainingJobView get(Tenant tenant, @PathVariable UUID id) {
        return queries.find(tenant, id).orElseThrow(() -> ApiProblem.notFound("training_job", id));
    }

    @GetMapping("/{id}/events")
    @Operation(summary = "State transitions and warnings, oldest first; pass after=<last event id> to follow")
    CursorPage<TrainingJobView.EventView> events(Tenant tenant, @PathVariable UUID id,
            @RequestParam(required = false) String after, @RequestParam(required = false) String limit) {
        requireJob(tenant, id);
        CursorPage.Request<Long> page = CursorPage.Request.of(limit, after, CursorPage::numberCursor);
        return page.page(queries.events(id, page.after() == null ? 0 : page.after(), page.fetchSize()),
                TrainingJobView.EventView::id);
    }

    /**
     * The events as Server-Sent Events, chosen by {@code Accept: text/event-stream} (any other Accept, wildcards
     * and none included, gets the JSON page above).
     */
    @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(summary = "The same events as Server-Sent Events (Accept: text/event-stream)", description = """
            Streams `event` (one per event row, SSE id = the row's id, data = the row as in the JSON list), then \
            new rows as they are written, a `progress` event (data = the job, as GET /v1/training-jobs/{id}) \
            whenever the job changes, and a last `end` event once the job is finished; then the stream closes. \
            Resumes after the `Last-Event-ID` header (sent by EventSource on reconnect), else after `after`.""")
    SseEmitter streamEvents(Tenant tenant, @PathVariable UUID id, @RequestParam(defaultValue = "0") long after,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        requireJob(tenant, id);
        return eventStream.open(tenant, id, TrainingJobEventStream.resumeAfter(after, lastEventId));
    }

    @GetMapping("/{id}/metrics")
    @Operation(summary = "Per-epoch train loss, train and validation accuracy, learning rate")
    TrainingJobView.Page<TrainingJobView.MetricView> metrics(Tenant tenant, @PathVariable UUID id) {
        requireJob(tenant, id);
        return new TrainingJobView.Page<>("list", queries.metrics(id), false, null);
    }

    @PostMapping("/{id}/cancel")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Cancel a queued job at once, or ask a running one to stop within a step")
    ResponseEntity<TrainingJobView> cancel(Tenant tenant, @PathVariable UUID id) {
        if (queue.requestCancel(tenant, id).isEmpty()) {
            TrainingJobView job = get(tenant, id);
            if (JobStatus.fromWire(job.status()) != JobStatus.CANCELLING) {
                throw ApiProblem.conflict("job_not_cancellable", "Job " + id + " is already " + job.status());
            }
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(get(tenant, id));
    }

    /**
     * A {@code stopped} job (a sweep trial that ASHA stopped) is queued again through the one queue; the next worker
     * continues it from its checkpoint (its best prompt so far and the state after the epoch it stopped at) to its
     * last epoch, like a job resumed after a crash. It counts against the concurrent-jobs quota again.
     */
    @PostMapping("/{id}/resume")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Continue a stopped job (a sweep trial ASHA stopped) from its checkpoint to its last epoch")
    ResponseEntity<TrainingJobView> resume(Tenant tenant, @PathVariable UUID id) {
        int maxActive = quotas.of(tenant).concurrentJobs();
        switch (queue.resumeStopped(tenant, id, maxActive,
                "Resume requested: the job continues from its checkpoint to its last epoch")) {
            case NOT_FOUND -> throw ApiProblem.notFound("training_job", id);
            case NOT_STOPPED -> throw ApiProblem.conflict("job_not_stopped", "Job " + id + " is "
                    + get(tenant, id).status() + "; only a stopped job can be resumed");
            case AT_QUOTA -> throw new QuotaExceeded(DomainException.Kind.LIMIT_REACHED, "concurrent_jobs", maxActive,
                    queue.activeJobs(tenant), "The tenant already has " + maxActive + " queued or running jobs, "
                            + "its quota; wait for one to finish or cancel one");
            case RESUMED -> { }
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(get(tenant, id));
    }

    private void requireJob(Tenant tenant, UUID id) {
        if (!queries.exists(tenant, id)) {
            throw ApiProblem.notFound("training_job", id);
        }
    }
}
