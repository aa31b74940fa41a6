package io.visprompt.security;

import java.util.List;
import java.util.Map;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Requests refused before they reach a controller (by Tomcat, the firewall or the error page) are RFC 9457
 * problems with a stable code like every other error, whatever the client accepts. Sent over a raw socket so that
 * no client library normalises the path first.
 */
class EdgeRejectionTests extends AccessControlHttpTest {

    /** Paths Spring Security's firewall refuses: each could be read as another path by some component. */
    static final List<String> AMBIGUOUS = List.of("/v1%2Fdatasets", "/v1%2fdatasets", "/x/%2e%2e/v1/datasets",
            "/x/%2E%2E/v1/datasets", "/v1/%2e/datasets", "//v1/datasets", "/v1//datasets", "/v1;x=1/datasets",
            "/v1/datasets;jsessionid=1", "/v1%5Cdatasets", "/v1%5cdatasets", "/x/../v1/datasets", "/x/./v1/datasets",
            "/%25761/datasets");

    @Test
    void ambiguousPathsAre400AmbiguousRequestProblems() {
        SoftAssertions softly = new SoftAssertions();
        for (String path : AMBIGUOUS) {
            for (String accept : List.of("*/*", "text/html")) {
                assertRefused(softly, RawHttp.send(port, "GET", path, Map.of("Authorization", "Bearer " + adminKey,
                        "Accept", accept), null), path + " " + accept, 400, "ambiguous_request");
            }
            assertRefused(softly, RawHttp.send(port, "POST", path, null), "POST " + path, 400, "ambiguous_request");
        }
        softly.assertAll();
    }

    @Test
    void pathsTomcatCannotReadAre400InvalidRequestProblems() {
        SoftAssertions softly = new SoftAssertions();
        for (String path : List.of("/%2e%2e/v1/datasets", "/../v1/datasets", "/v1/datasets/%2e%2e/%2e%2e/%2e%2e")) {
            for (String accept : List.of("*/*", "text/html")) {
                assertRefused(softly, RawHttp.send(port, "GET", path, Map.of("Accept", accept), null), path + " " + accept,
                        400, "invalid_request");
            }
        }
        softly.assertAll();
    }

    @Test
    void traceAndUnknownMethodsAre405Problems() {
        SoftAssertions softly = new SoftAssertions();
        for (String path : List.of("/v1/datasets", "/", "/actuator/health")) {
            for (String accept : List.of("*/*", "text/html")) {
                RawHttp.Response trace = RawHttp.send(port, "TRACE", path, Map.of("Accept", accept), null);
                assertRefused(softly, trace, "TRACE " + path + " " + accept, 405, "method_not_allowed");
                softly.assertThat(trace.json().get("detail").asString()).as("TRACE %s: names no other method", path)
                        .doesNotContain("GET").endsWith(path);
            }
        }
        assertRefused(softly, RawHttp.send(port, "PROPFIND", "/v1/datasets", adminKey), "PROPFIND", 405,
                "method_not_allowed");
        softly.assertAll();
    }

    static void assertRefused(SoftAssertions softly, RawHttp.Response response, String what, int status, String code) {
        softly.assertThat(response.status()).as("status of %s: %s", what, response).isEqualTo(status);
        softly.assertThat(response.header("Content-Type")).as("type of %s: %s", what, response)
                .startsWith("application/problem+json");
        if (response.body().startsWith("{")) {
            softly.assertThat(response.json().path("code").asString()).as("code of %s", what).isEqualTo(code);
            softly.assertThat(response.json().path("status").asInt()).as("status member of %s", what).isEqualTo(status);
        }
    }
}
