package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;

import io.visprompt.TurkishDefaultLocale;
import io.visprompt.dataset.Split;
import io.visprompt.dataset.internal.UploadRejected;
import io.visprompt.training.engine.LabelMapping;
import io.visprompt.training.engine.OptimizerKind;
import io.visprompt.training.engine.PromptPlacement;
import io.visprompt.training.engine.PromptTemplate;
import io.visprompt.training.engine.TrainingSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * API names of enumerations read and write the same on a JVM whose default locale is Turkish, where
 * {@code "padding".toUpperCase()} is {@code "PADDİNG"} and {@code "PIXEL_SHRINK".toLowerCase()} is
 * {@code "pıxel_shrınk"}.
 */
@ExtendWith(TurkishDefaultLocale.class)
class WireNamesInAnyLocaleTests {

    @Test
    void storedSettingsWithAnIInTheirNamesBecomeEngineSettings() {
        TrainingJobSpec spec = new TrainingJobSpec(new TrainingJobSpec.Prompt("fixed_patch", 4, "pixel_shrink"),
                new TrainingJobSpec.Output("iterative", List.of()),
                new TrainingJobSpec.Hyperparameters(1, 8, 40.0, 0.9, 0.0, 10, "normalized_sgd", 0L, 200));

        TrainingSettings settings = spec.toSettings();

        assertThat(settings.template()).isEqualTo(PromptTemplate.FIXED_PATCH);
        assertThat(settings.placement()).isEqualTo(PromptPlacement.PIXEL_SHRINK);
        assertThat(settings.labelMapping()).isEqualTo(LabelMapping.ITERATIVE);
        assertThat(settings.optimizer()).isEqualTo(OptimizerKind.NORMALIZED_SGD);
    }

    @Test
    void everyJobStatusRoundTripsThroughItsWireName() {
        for (JobStatus status : JobStatus.values()) {
            assertThat(status.wireName()).isEqualTo(status.name().toLowerCase(Locale.ROOT));
            assertThat(JobStatus.fromWire(status.wireName())).isEqualTo(status);
        }
        assertThat(JobStatus.fromWire("running")).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void everyEngineSettingRoundTripsThroughItsWireName() {
        for (PromptTemplate t : PromptTemplate.values()) {
            assertThat(PromptTemplate.fromWire(t.wireName())).isEqualTo(t);
        }
        for (PromptPlacement p : PromptPlacement.values()) {
            assertThat(PromptPlacement.fromWire(p.wireName())).isEqualTo(p);
        }
        for (LabelMapping m : LabelMapping.values()) {
            assertThat(LabelMapping.fromWire(m.wireName())).isEqualTo(m);
        }
        for (OptimizerKind o : OptimizerKind.values()) {
            assertThat(OptimizerKind.fromWire(o.wireName())).isEqualTo(o);
        }
        assertThat(PromptPlacement.PIXEL_SHRINK.wireName()).isEqualTo("pixel_shrink");
        assertThat(PromptTemplate.fromWire("PADDING")).isEqualTo(PromptTemplate.PADDING);
    }

    @Test
    void uploadRejectionCodesAreAsciiLowercase() {
        assertThat(UploadRejected.Reason.NOT_AN_ARCHIVE.code()).isEqualTo("not_an_archive");
        assertThat(UploadRejected.Reason.MISSING_TRAIN_SPLIT.code()).isEqualTo("missing_train_split");
        for (UploadRejected.Reason reason : UploadRejected.Reason.values()) {
            assertThat(reason.code()).matches("[a-z_]+");
        }
    }

    @Test
    void splitNamesAreAsciiLowercase() {
        assertThat(List.of(Split.values()).stream().map(Split::wireName)).containsExactly("train", "val", "test");
    }
}
