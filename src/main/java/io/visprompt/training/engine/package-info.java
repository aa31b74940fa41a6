/**
 * The training maths of visual prompting, plain Java over DJL arrays with no Spring: prompt templates, output
 * transforms (label mappings, CLIP text heads), optimizer and schedule, loss, and the training loop. The job
 * machinery of the training module drives it through {@link io.visprompt.training.engine.PromptTrainer}.
 */
@org.springframework.modulith.NamedInterface("engine")
package io.visprompt.training.engine;
