package io.visprompt.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Locale;

import jakarta.servlet.RequestDispatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** Codes made from HTTP status names are ASCII lowercase also under a Turkish default locale. */
class ErrorCodesInAnyLocaleTests {

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
    void anErrorPageForAStatusWithAnIInItsNameHasAnAsciiCode() {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/error");
        request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, 503);

        ApiProblem problem = catchThrowableOfType(ApiProblem.class, () -> new ErrorResponses().error(request));

        assertThat(problem.code()).isEqualTo("service_unavailable");
    }
}
