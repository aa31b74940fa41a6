package io.visprompt.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;

/** The web edge turns each kind of module refusal into its HTTP status, keeping the module's code and members. */
class DomainExceptionStatusTests {

    private static final class Refusal extends DomainException {
        Refusal(Kind kind) {
            super(kind, "some_code", "some reason");
            put("extra", 7);
        }
    }

    private static final Map<DomainException.Kind, Integer> STATUS = Map.of(
            DomainException.Kind.INVALID, 400, DomainException.Kind.NOT_FOUND, 404,
            DomainException.Kind.CONFLICT, 409, DomainException.Kind.TOO_LARGE, 413,
            DomainException.Kind.UNSUPPORTED_FORMAT, 415, DomainException.Kind.LIMIT_REACHED, 429,
            DomainException.Kind.UNAVAILABLE, 503, DomainException.Kind.INTERNAL, 500);

    @Test
    void everyKindBecomesItsStatusWithTheModulesCodeAndMembers() {
        assertThat(STATUS).containsOnlyKeys(DomainException.Kind.values());
        for (DomainException.Kind kind : DomainException.Kind.values()) {
            ResponseEntity<Object> response = new ProblemResponses().domainException(new Refusal(kind),
                    new MockHttpServletRequest("GET", "/v1/datasets"));

            assertThat(response.getStatusCode().value()).as(kind.name()).isEqualTo(STATUS.get(kind));
            ProblemDetail body = (ProblemDetail) response.getBody();
            assertThat(body.getDetail()).isEqualTo("some reason");
            assertThat(body.getProperties()).containsEntry("code", "some_code").containsEntry("extra", 7);
        }
    }
}
