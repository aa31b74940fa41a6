package io.visprompt.evaluation;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.visprompt.config.ApiProblem;
import io.visprompt.config.IdempotencyKeys;
import io.visprompt.config.CursorPage;
import io.visprompt.config.Tenant;
import io.visprompt.training.QueuedJobs;
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
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

@RestController
@RequestMapping("/v1/evaluations")
@Tag(name = "Evaluations", description = "Evaluate a prompt (against the same task without it) or a bare model on a dataset")
class EvaluationController {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };
    private static final String KIND = EvaluationRunner.KIND;

    private final EvaluationSubmission submission;
    private final QueuedJobs jobs;
    private final EvaluationResults results;
    private final JsonMapper json;

    EvaluationController(EvaluationSubmission submission, QueuedJobs jobs, EvaluationResults results, JsonMapper json) {
        this.submission = submission;
        this.jobs = jobs;
        this.results = results;
        this.json = json;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Queue an evaluation of a prompt or a bare model on a dataset split", description = """
            `prompt_id`, or `model` (+ `class_names`: required for CLIP; for a classifier, class i names output i, \
            default its own labels); `dataset_id`; `split`: `test` (default), `train`, `val` or `all`. The dataset's \
            classes are matched to the task's by name: a subset in any order is fine; classes the task does not know \
            are refused with 400 `unknown_classes`, naming them. Runs in the training workers' queue \
            (`Idempotency-Key` honoured; the concurrent-jobs quota counts it).""")
    ResponseEntity<EvaluationView> create(Tenant tenant, @Valid @RequestBody EvaluationRequest request,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        UUID id = submission.submit(tenant, request, IdempotencyKeys.checked(idempotencyKey));
        return ResponseEntity.created(URI.create("/v1/evaluations/" + id)).body(get(tenant, id));
    }

    @GetMapping
    @Operation(summary = "List evaluations, newest first, with cursor pagination (limit, after, status)")
    CursorPage<EvaluationView> list(Tenant tenant, @RequestParam(required = false) String limit,
            @RequestParam(required = false) String after, @RequestParam(required = false) String status) {
        CursorPage.Request<UUID> page = CursorPage.Request.of(limit, after, CursorPage::uuidCursor);
        if (status != null && !QueuedJobs.STATUSES.contains(status)) {
            throw ApiProblem.invalidField("status", "must be one of " + String.join(", ", QueuedJobs.STATUSES));
        }
        if (page.after() != null && !jobs.exists(tenant, KIND, page.after())) {
            throw ApiProblem.invalidField("after", "no evaluation " + page.after());
        }
        return page.page(jobs.list(tenant, KIND, status, page.after(), page.fetchSize()).stream()
                .map(job -> view(job, null)).toList(), EvaluationView::id);
    }

    @GetMapping("/{id}")
    @Operation(summary = "Status, progress and, once succeeded, the full report: every number with and without the prompt")
    EvaluationView get(Tenant tenant, @PathVariable UUID id) {
        QueuedJobs.Job job = job(tenant, id);
        return view(job, "succeeded".equals(job.status()) ? results.report(tenant, id).orElse(null) : null);
    }

    @GetMapping("/{id}/events")
    @Operation(summary = "State transitions and warnings, oldest first; pass after=<last event id> to follow")
    CursorPage<QueuedJobs.Event> events(Tenant tenant, @PathVariable UUID id,
            @RequestParam(required = false) String after, @RequestParam(required = false) String limit) {
        job(tenant, id);
        CursorPage.Request<Long> page = CursorPage.Request.of(limit, after, CursorPage::numberCursor);
        return page.page(jobs.events(id, page.after() == null ? 0 : page.after(), page.fetchSize()),
                QueuedJobs.Event::id);
    }

    /**
     * The events as Server-Sent Events, chosen by {@code Accept: text/event-stream} (any other Accept gets the JSON
     * page above): the training jobs' stream, with this API's view of the evaluation as the progress data.
     */
    @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(summary = "The same events as Server-Sent Events (Accept: text/event-stream)", description = """
            Streams `event` (one per event row, SSE id = the row's id, data = the row as in the JSON list), then \
            new rows as they are written, a `progress` event (data = the evaluation, as GET /v1/evaluations/{id}, \
            with its report once succeeded) whenever it changes, and a last `end` event once it is finished; then \
            the stream closes. Resumes after the `Last-Event-ID` header (sent by EventSource on reconnect), else \
            after `after`.""")
    SseEmitter streamEvents(Tenant tenant, @PathVariable UUID id, @RequestParam(defaultValue = "0") long after,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        job(tenant, id);
        return jobs.openEventStream(tenant, KIND, id, after, lastEventId, job -> view(job,
                "succeeded".equals(job.status()) ? results.report(tenant, id).orElse(null) : null));
    }

    @PostMapping("/{id}/cancel")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Cancel a queued evaluation at once, or ask a running one to stop within a batch")
    ResponseEntity<EvaluationView> cancel(Tenant tenant, @PathVariable UUID id) {
        if (jobs.cancel(tenant, KIND, id).isEmpty()) {
            QueuedJobs.Job job = job(tenant, id);
            if (!"cancelling".equals(job.status())) {
                throw EvaluationRefused.notCancellable(id, job.status());
            }
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(get(tenant, id));
    }

    @GetMapping(path = "/{id}/confusion-matrix", produces = MediaType.IMAGE_PNG_VALUE)
    @Operation(summary = "The confusion matrix as a PNG heatmap with the class names", description = """
            `variant`: `with_prompt` (default for a prompt) or `without_prompt` (the only one for a bare model). \
            409 `evaluation_not_finished` until the evaluation has succeeded.""")
    ResponseEntity<byte[]> confusionMatrix(Tenant tenant, @PathVariable UUID id,
            @RequestParam(required = false) String variant) {
        Map<String, Object> report = report(tenant, id);
        @SuppressWarnings("unchecked")
        Map<String, Object> matrices = (Map<String, Object>) report.get("confusion_matrix");
        String chosen = variant != null ? variant
                : matrices.containsKey(EvaluationReport.WITH) ? EvaluationReport.WITH : EvaluationReport.WITHOUT;
        if (!matrices.containsKey(chosen)) {
            throw ApiProblem.invalidField("variant", "must be one of " + String.join(", ", matrices.keySet()));
        }
        @SuppressWarnings("unchecked")
        List<List<Number>> rows = (List<List<Number>>) matrices.get(chosen);
        long[][] matrix = rows.stream().map(r -> r.stream().mapToLong(Number::longValue).toArray()).toArray(long[][]::new);
        @SuppressWarnings("unchecked")
        List<String> classes = (List<String>) report.get("class_names");
        return png(EvaluationCharts.confusionMatrix(classes, matrix, "Confusion matrix, " + chosen.replace('_', ' ')));
    }

    @GetMapping(path = "/{id}/reliability-diagram", produces = MediaType.IMAGE_PNG_VALUE)
    @Operation(summary = "Accuracy per confidence bin (15 equal-width bins) against perfect calibration, as a PNG")
    ResponseEntity<byte[]> reliabilityDiagram(Tenant tenant, @PathVariable UUID id) {
        Map<String, Object> report = report(tenant, id);
        @SuppressWarnings("unchecked")
        Map<String, List<Map<String, Object>>> bins = (Map<String, List<Map<String, Object>>>) report.get("calibration");
        @SuppressWarnings("unchecked")
        Map<String, Object> ece = (Map<String, Object>) ((Map<String, Object>) report.get("summary"))
                .get("expected_calibration_error");
        Map<String, Double> eceBySeries = new LinkedHashMap<>();
        bins.keySet().forEach(series -> eceBySeries.put(series,
                ece.get(series) instanceof Number n ? n.doubleValue() : null));
        return png(EvaluationCharts.reliabilityDiagram(bins, eceBySeries));
    }

    @GetMapping("/{id}/errors")
    @Operation(summary = "Misclassified examples, the most confident mistakes first, with links to their images",
            description = """
            Each names the true and predicted class, the confidence, the probability of the true class, for a \
            prompt the prediction without it, and `image_url`: the stored image \
            (`GET /v1/datasets/{id}/classes/{label}/images/{n}`, scope datasets:read). Paged: `limit` (1-100), \
            `after` = the previous page's `last_id`. At most 1000 mistakes are kept per evaluation.""")
    CursorPage<Map<String, Object>> errors(Tenant tenant, @PathVariable UUID id,
            @RequestParam(required = false) String limit, @RequestParam(required = false) String after) {
        report(tenant, id);
        CursorPage.Request<Long> page = CursorPage.Request.of(limit, after, CursorPage::numberCursor);
        long offset = page.after() == null ? 0 : page.after();
        List<Map<String, Object>> rows = results.errors(tenant, id, offset, page.fetchSize());
        long[] position = {offset};
        List<Map<String, Object>> numbered = rows.stream().map(row -> {
            Map<String, Object> copy = new LinkedHashMap<>();
            copy.put("position", ++position[0]);
            copy.putAll(row);
            return copy;
        }).toList();
        return page.page(numbered, row -> row.get("position"));
    }

    private QueuedJobs.Job job(Tenant tenant, UUID id) {
        return jobs.find(tenant, KIND, id).orElseThrow(() -> EvaluationRefused.notFound(id));
    }

    private Map<String, Object> report(Tenant tenant, UUID id) {
        QueuedJobs.Job job = job(tenant, id);
        if (!"succeeded".equals(job.status())) {
            throw EvaluationRefused.notFinished(id, job.status());
        }
        return results.report(tenant, id).orElseThrow(() -> EvaluationRefused.notFinished(id, job.status()));
    }

    private EvaluationView view(QueuedJobs.Job job, Map<String, Object> report) {
        EvaluationSpec spec = json.readValue(job.specJson(), EvaluationSpec.class);
        return new EvaluationView(job.id(), "evaluation", job.datasetId(), spec.promptId(), job.modelId(),
                spec.classNames(), spec.split(), job.status(), job.phase(),
                new EvaluationView.EvaluationProgress(job.step(), job.totalSteps(), job.percent()), job.attempt(),
                job.maxAttempts(), job.errorCode(), job.error(),
                job.resultJson() == null ? null : json.readValue(job.resultJson(), MAP), report, job.createdAt(),
                job.startedAt(), job.finishedAt(), job.updatedAt());
    }

    private static ResponseEntity<byte[]> png(byte[] bytes) {
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(bytes);
    }
}
