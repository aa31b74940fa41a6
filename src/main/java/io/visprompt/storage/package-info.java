/**
 * Where the service keeps bytes: dataset images, uploaded models and learned prompt tensors, as objects under keys
 * such as {@code models/<id>/model.pt}. One {@link io.visprompt.storage.ObjectStore} per process, chosen by
 * configuration ({@code visprompt.storage.type}): a local directory (the default) or an S3-compatible bucket, read
 * through a bounded local cache. PostgreSQL keeps the metadata; the store only bytes.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Storage", allowedDependencies = {"config"})
package io.visprompt.storage;
