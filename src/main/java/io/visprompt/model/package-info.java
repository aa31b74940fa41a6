/**
 * The frozen models this deployment offers. Models come from configuration (a TorchScript file or directory,
 * a URL or a DJL model-zoo URL), never from the API, and their weights never change.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Model", allowedDependencies = {"config"})
package io.visprompt.model;
