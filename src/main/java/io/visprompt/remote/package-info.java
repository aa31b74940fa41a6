/**
 * Remote models: classifiers behind an Open Inference Protocol v2 REST endpoint (KServe, Triton, another
 * visprompt), registered per tenant and queried, never differentiated, by black-box training jobs. Registration
 * checks the endpoint's metadata and readiness; the client retries with backoff, bounds the queries in flight per
 * endpoint, and counts queries, latency, retries and errors.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Remote models", allowedDependencies = {"config", "model"})
package io.visprompt.remote;
