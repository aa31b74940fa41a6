package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.visprompt.TurkishDefaultLocale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The audit action of a request outside the API is its method in ASCII lowercase, also under a Turkish locale. */
@ExtendWith(TurkishDefaultLocale.class)
class AuditActionInAnyLocaleTests {

    @Test
    void anOptionsRequestIsAuditedAsOptionsWithADottedI() {
        assertThat(AuditFilter.resource("OPTIONS", "/health", null).action()).isEqualTo("options");
    }
}
