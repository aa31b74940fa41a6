package io.visprompt.evaluation;

import java.util.List;

import io.visprompt.config.DomainException;

/** Why an evaluation cannot be made or shown, in the evaluation module's terms; the web edge picks the status. */
final class EvaluationRefused extends DomainException {

    private EvaluationRefused(Kind kind, String code, String reason) {
        super(kind, code, reason);
    }

    private EvaluationRefused(String field, String reason) {
        super(field, reason);
    }

    static EvaluationRefused invalidField(String field, String reason) {
        return new EvaluationRefused(field, reason);
    }

    static EvaluationRefused notFound(Object id) {
        return new EvaluationRefused(Kind.NOT_FOUND, "evaluation_not_found", "evaluation " + id + " does not exist");
    }

    static EvaluationRefused promptNotFound(Object id) {
        return new EvaluationRefused(Kind.NOT_FOUND, "prompt_not_found", "prompt " + id + " does not exist");
    }

    /** The dataset holds classes the prompt (or the named class list) does not know: they are named. */
    static EvaluationRefused unknownClasses(List<String> unknown, List<String> known) {
        EvaluationRefused refused = new EvaluationRefused(Kind.INVALID, "unknown_classes",
                "the dataset has classes the " + "task does not know: " + String.join(", ", unknown)
                        + " (the task's classes: " + String.join(", ", known) + ")");
        refused.put("unknown_classes", unknown);
        return refused;
    }

    static EvaluationRefused notFinished(Object id, String status) {
        return new EvaluationRefused(Kind.CONFLICT, "evaluation_not_finished",
                "evaluation " + id + " is " + status + "; its report exists once it has succeeded");
    }

    static EvaluationRefused notCancellable(Object id, String status) {
        return new EvaluationRefused(Kind.CONFLICT, "job_not_cancellable", "Evaluation " + id + " is already " + status);
    }
}
