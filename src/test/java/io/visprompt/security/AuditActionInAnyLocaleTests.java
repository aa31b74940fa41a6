package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The audit action of a request outside the API is its method in ASCII lowercase, also under a Turkish locale. */
class AuditActionInAnyLocaleTests {

    private Locale original;

    @BeforeEach
    void turkish() {
        original = Locale.getDefault();
        Locale.setDefault(Locale.forLanguageTag("tr-TR"));
    }

    @AfterEach
    void restore() {
        Locale.setDefault(original);
    }

    @Test
    void anOptionsRequestIsAuditedAsOptionsWithADottedI() {
        assertThat(AuditFilter.resource("OPTIONS", "/health", null).action()).isEqualTo("options");
    }
}
