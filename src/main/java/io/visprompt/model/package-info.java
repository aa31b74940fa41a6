/**
 * The frozen models this deployment offers: models from configuration (a TorchScript file or directory, a URL or a
 * DJL model-zoo URL), visible to every tenant, and models a tenant uploads ({@code POST /v1/models}), validated at
 * upload, kept in the object store and visible to that tenant only. Their weights never change.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Model", allowedDependencies = {"config", "storage"})
package io.visprompt.model;
