package io.visprompt.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

class IdempotencyKeysTests {

    @Test
    void aPrintableKeyOrNoKeyPassesAsGiven() {
        assertThat(IdempotencyKeys.checked("retry-7")).isEqualTo("retry-7");
        assertThat(IdempotencyKeys.checked(null)).isNull();
    }

    @Test
    void blankOverLongAndControlCharacterKeysAreRefusedWithOneCode() {
        for (String key : new String[] {" ", "k".repeat(201), "a\u0000b", "a\nb"}) {
            ApiProblem problem = catchThrowableOfType(ApiProblem.class, () -> IdempotencyKeys.checked(key));
            assertThat(problem).as(key).isNotNull();
            assertThat(problem.code()).isEqualTo("invalid_idempotency_key");
        }
    }
}
