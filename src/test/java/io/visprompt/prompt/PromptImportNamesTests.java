package io.visprompt.prompt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import io.visprompt.training.engine.PromptPlacement;
import io.visprompt.training.engine.PromptTemplate;
import org.junit.jupiter.api.Test;

/** An import accepts exactly the templates and placements the engine can apply, with the same defaults as jobs. */
class PromptImportNamesTests {

    @Test
    void importNamesAreTheEnginesWireNamesWithTheDefaultFirst() {
        assertThat(PromptController.TEMPLATES)
                .isEqualTo(Arrays.stream(PromptTemplate.values()).map(PromptTemplate::wireName).toList())
                .first().isEqualTo(PromptTemplate.PADDING.wireName());
        assertThat(PromptController.PLACEMENTS)
                .isEqualTo(Arrays.stream(PromptPlacement.values()).map(PromptPlacement::wireName).toList())
                .first().isEqualTo(PromptPlacement.NORMALIZED.wireName());
    }
}
