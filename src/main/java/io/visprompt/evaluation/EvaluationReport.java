package io.visprompt.evaluation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.visprompt.evaluation.metrics.ClassificationReport;
import io.visprompt.evaluation.metrics.ClassificationReport.Average;
import io.visprompt.evaluation.metrics.ClassificationReport.CalibrationBin;

/**
 * The JSON of an evaluation's report: every number with the prompt and without it side by side
 * ({@code with_prompt}, {@code without_prompt}); a bare model has only {@code without_prompt}. NaN (no examples
 * of a kind) is written as null.
 */
final class EvaluationReport {

    static final String WITH = "with_prompt";
    static final String WITHOUT = "without_prompt";

    private EvaluationReport() {
    }

    /** @param prompted null for a bare model */
    static Map<String, Object> of(List<String> classNames, String split, ClassificationReport prompted,
            ClassificationReport unprompted) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("split", split);
        report.put("examples", unprompted.examples());
        report.put("class_names", classNames);
        report.put("top_k", unprompted.topK());
        report.put("calibration_bin_count", ClassificationReport.CALIBRATION_BINS);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("accuracy", pair(prompted, unprompted, r -> r.accuracy()));
        summary.put("top5_accuracy", pair(prompted, unprompted, r -> r.topKAccuracy()));
        summary.put("macro_precision", pair(prompted, unprompted, r -> r.precision(Average.MACRO)));
        summary.put("macro_recall", pair(prompted, unprompted, r -> r.recall(Average.MACRO)));
        summary.put("macro_f1", pair(prompted, unprompted, r -> r.f1(Average.MACRO)));
        summary.put("weighted_f1", pair(prompted, unprompted, r -> r.f1(Average.WEIGHTED)));
        summary.put("expected_calibration_error", pair(prompted, unprompted, r -> r.expectedCalibrationError()));
        summary.put("mean_confidence", pair(prompted, unprompted, r -> r.meanConfidence()));
        report.put("summary", summary);
        List<Map<String, Object>> perClass = new ArrayList<>();
        for (int c = 0; c < classNames.size(); c++) {
            int k = c;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("class_name", classNames.get(c));
            row.put("support", unprompted.support(c));
            row.put("precision", pair(prompted, unprompted, r -> r.precision(k)));
            row.put("recall", pair(prompted, unprompted, r -> r.recall(k)));
            row.put("f1", pair(prompted, unprompted, r -> r.f1(k)));
            perClass.add(row);
        }
        report.put("per_class", perClass);
        Map<String, Object> confusion = new LinkedHashMap<>();
        Map<String, Object> calibration = new LinkedHashMap<>();
        if (prompted != null) {
            confusion.put(WITH, prompted.confusionMatrix());
            calibration.put(WITH, bins(prompted));
        }
        confusion.put(WITHOUT, unprompted.confusionMatrix());
        calibration.put(WITHOUT, bins(unprompted));
        report.put("confusion_matrix", confusion);
        report.put("calibration", calibration);
        return report;
    }

    private static Map<String, Object> pair(ClassificationReport prompted, ClassificationReport unprompted,
            java.util.function.ToDoubleFunction<ClassificationReport> metric) {
        Map<String, Object> pair = new LinkedHashMap<>();
        if (prompted != null) {
            pair.put(WITH, finite(metric.applyAsDouble(prompted)));
        }
        pair.put(WITHOUT, finite(metric.applyAsDouble(unprompted)));
        if (prompted != null) {
            Double with = finite(metric.applyAsDouble(prompted));
            Double without = finite(metric.applyAsDouble(unprompted));
            pair.put("difference", with == null || without == null ? null : with - without);
        }
        return pair;
    }

    private static List<Map<String, Object>> bins(ClassificationReport report) {
        List<Map<String, Object>> bins = new ArrayList<>();
        for (CalibrationBin bin : report.calibrationBins()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("lower", bin.lower());
            row.put("upper", bin.upper());
            row.put("count", bin.count());
            row.put("accuracy", finite(bin.accuracy()));
            row.put("confidence", finite(bin.confidence()));
            bins.add(row);
        }
        return bins;
    }

    static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
