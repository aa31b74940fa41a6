package io.visprompt.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;


import io.visprompt.TurkishDefaultLocale;
import jakarta.servlet.RequestDispatcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.mock.web.MockHttpServletRequest;

/** Codes made from HTTP status names are ASCII lowercase also under a Turkish default locale. */
@ExtendWith(TurkishDefaultLocale.class)
class ErrorCodesInAnyLocaleTests {

    @Test
    void anErrorPageForAStatusWithAnIInItsNameHasAnAsciiCode() {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/error");
        request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, 503);

        ApiProblem problem = catchThrowableOfType(ApiProblem.class, () -> new ErrorResponses().error(request));

        assertThat(problem.code()).isEqualTo("service_unavailable");
    }
}
