/**
 * Labelled image datasets uploaded as ImageFolder archives: validated and normalized at upload, image files in a
 * storage directory, metadata in PostgreSQL. {@link io.visprompt.dataset.Datasets} is what other modules use.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Dataset", allowedDependencies = {"config", "security", "storage"})
package io.visprompt.dataset;
