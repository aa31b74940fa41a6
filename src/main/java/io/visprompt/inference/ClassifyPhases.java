package io.visprompt.inference;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Where the time of a classification goes: one timer {@code visprompt.classify.phase} per phase, in the order a
 * request meets them. {@code http_in} runs from the first servlet filter to the controller (the security chain with
 * the key check, multipart parsing, argument binding); {@code prompt_lookup}, {@code decode}, {@code prepare} (resize
 * and crop to the model's input), {@code batch_wait} (queued for the next forward pass), {@code forward} (the batch's
 * forward pass and softmax, counted for each request it answered), {@code top_k}; {@code http_out} from the
 * controller's return to the response written (JSON). {@code bench/classify-load.sh} prints their means per load
 * level; in production they say which part of a slow classification is slow.
 */
@Component
class ClassifyPhases {

    static final String HTTP_IN = "http_in";
    static final String PROMPT_LOOKUP = "prompt_lookup";
    static final String DECODE = "decode";
    static final String PREPARE = "prepare";
    static final String BATCH_WAIT = "batch_wait";
    static final String FORWARD = "forward";
    static final String TOP_K = "top_k";
    static final String HTTP_OUT = "http_out";

    private static final String STARTED = ClassifyPhases.class.getName() + ".started";
    private static final String ANSWERED = ClassifyPhases.class.getName() + ".answered";

    private final MeterRegistry meters;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    ClassifyPhases(MeterRegistry meters) {
        this.meters = meters;
        for (String phase : new String[] {HTTP_IN, PROMPT_LOOKUP, DECODE, PREPARE, BATCH_WAIT, FORWARD, TOP_K, HTTP_OUT}) {
            timer(phase);
        }
    }

    void record(String phase, long nanos) {
        timer(phase).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Records {@code phase} from {@code since} to now; returns now, the start of the next phase. */
    long since(String phase, long since) {
        long now = System.nanoTime();
        record(phase, now - since);
        return now;
    }

    /** Called when a controller starts on the request: records {@code http_in}. */
    void controllerEntered() {
        RequestAttributes request = RequestContextHolder.getRequestAttributes();
        if (request != null && request.getAttribute(STARTED, RequestAttributes.SCOPE_REQUEST) instanceof Long started) {
            since(HTTP_IN, started);
        }
    }

    /** Called when a controller has its answer: {@code http_out} runs from here. */
    void controllerAnswered() {
        RequestAttributes request = RequestContextHolder.getRequestAttributes();
        if (request != null) {
            request.setAttribute(ANSWERED, System.nanoTime(), RequestAttributes.SCOPE_REQUEST);
        }
    }

    private Timer timer(String phase) {
        return timers.computeIfAbsent(phase, p -> Timer.builder("visprompt.classify.phase").tag("phase", p)
                .description("Time of one phase of a classification (/v1/classify, OIP infer)").register(meters));
    }

    /** The outermost filter of the inference endpoints: marks where a request starts and records {@code http_out}. */
    OncePerRequestFilter filter() {
        return new OncePerRequestFilter() {
            @Override
            protected boolean shouldNotFilter(HttpServletRequest request) {
                String path = request.getRequestURI();
                return !"POST".equals(request.getMethod())
                        || !(path.equals("/v1/classify") || path.startsWith("/v2/models/") && path.endsWith("/infer"));
            }

            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
                    FilterChain chain) throws ServletException, IOException {
                request.setAttribute(STARTED, System.nanoTime());
                chain.doFilter(request, response);
                if (request.getAttribute(ANSWERED) instanceof Long answered) {
                    response.flushBuffer();
                    since(HTTP_OUT, answered);
                }
            }
        };
    }
}
